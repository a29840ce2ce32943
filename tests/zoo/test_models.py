"""The zoo's architectures against forward passes written out by hand from torch primitives.

Each model's output must equal an independent computation: an MLP as chained ``F.linear``; a GRU
classifier / LM and the adding LSTM unrolled with ``nn.GRUCell`` / ``nn.LSTMCell`` carrying the
same weights; the bag classifier as the mean of the non-padding embeddings; the NPLM as its
concatenated context through the MLP; the transformer's padding mask by showing that the padded
positions' embeddings cannot move the output; a ResNet's residual path by zeroing the block.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.tasks import CharLM, Task  # noqa: E402
from lrkit.zoo import (  # noqa: E402
    GRULM,
    MLP,
    NPLM,
    AddingRNN,
    BagClassifier,
    CharLMWorkload,
    ResNet,
    RNNClassifier,
    TransformerClassifier,
    Workload,
    no_decay_groups,
)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    torch.manual_seed(0)


def _unrolled(cell: nn.Module, rnn: nn.Module, xs: torch.Tensor) -> torch.Tensor:
    """Every step's hidden state of a one-layer ``rnn`` recomputed by ``cell`` with its weights."""
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).data.copy_(getattr(rnn, f"{name}_l0"))
    h = torch.zeros(xs.shape[0], cell.hidden_size)
    c = torch.zeros_like(h)
    out = []
    for t in range(xs.shape[1]):
        if isinstance(cell, nn.LSTMCell):
            h, c = cell(xs[:, t], (h, c))
        else:
            h = cell(xs[:, t], h)
        out.append(h)
    return torch.stack(out, 1)


def test_mlp_is_chained_linear_layers_with_he_init() -> None:
    m = MLP((4, 8, 8, 3), activation="tanh", he_init=True)
    x = torch.randn(5, 4)
    lin = [layer for layer in m if isinstance(layer, nn.Linear)]
    want = F.linear(torch.tanh(F.linear(torch.tanh(F.linear(x, lin[0].weight, lin[0].bias)), lin[1].weight,
                                         lin[1].bias)), lin[2].weight, lin[2].bias)
    torch.testing.assert_close(m(x), want)
    assert all(torch.equal(layer.bias, torch.zeros_like(layer.bias)) for layer in lin)
    layered = [type(layer) for layer in MLP((4, 8, 3), norm="layer")]
    assert layered == [nn.Linear, nn.LayerNorm, nn.ReLU, nn.Linear]


def test_rnn_classifier_and_adding_rnn_read_the_last_hidden_state() -> None:
    clf, tokens = RNNClassifier(17, 5, cell="gru"), torch.randint(0, 17, (3, 6))
    hidden = _unrolled(nn.GRUCell(16, 32), clf.rnn, clf.embed(tokens))
    torch.testing.assert_close(clf(tokens), clf.head(hidden[:, -1]))
    adder, pairs = AddingRNN(hidden=12), torch.randn(4, 7, 2)
    hidden = _unrolled(nn.LSTMCell(2, 12), adder.rnn, pairs)
    torch.testing.assert_close(adder(pairs), adder.head(hidden[:, -1]))


def test_grulm_predicts_every_position_from_its_past_only() -> None:
    lm, tokens = GRULM(11), torch.randint(0, 11, (2, 9))
    hidden = _unrolled(nn.GRUCell(32, 96), lm.gru, lm.embed(tokens))
    torch.testing.assert_close(lm(tokens), lm.head(hidden))
    changed = tokens.clone()
    changed[:, 5] = (changed[:, 5] + 1) % 11
    torch.testing.assert_close(lm(changed)[:, :5], lm(tokens)[:, :5])  # causal: the past is untouched


def test_nplm_reads_its_context_in_order() -> None:
    lm, tokens = NPLM(10, 4), torch.randint(0, 10, (3, 4))
    flat = torch.cat([lm.embed.weight[tokens[:, i]] for i in range(4)], dim=1)
    lin1, lin2 = lm.mlp[0], lm.mlp[2]
    torch.testing.assert_close(lm(tokens), F.linear(torch.tanh(F.linear(flat, lin1.weight, lin1.bias)),
                                                   lin2.weight, lin2.bias))


def test_bag_classifier_averages_the_non_padding_embeddings() -> None:
    bag, tokens = BagClassifier(30, 4, dim=6), torch.tensor([[3, 7, 0, 0], [5, 0, 0, 0], [1, 2, 3, 4]])
    table = bag.bag.weight
    means = torch.stack([table[row[row != 0]].mean(0) for row in tokens])
    torch.testing.assert_close(bag(tokens), bag.head(means))


def test_transformer_classifier_ignores_what_sits_at_padded_positions() -> None:
    m = TransformerClassifier(20, 5, length=6, d_model=16, heads=2, layers=1).eval()
    tokens = torch.tensor([[3, 4, 9, 0, 0, 0], [5, 6, 7, 8, 2, 1]])
    before = m(tokens)
    with torch.no_grad():
        m.pos.weight[3:] += torch.randn(3, 16)  # positions only the first row pads
    after = m(tokens)
    torch.testing.assert_close(after[0], before[0])
    assert not torch.allclose(after[1], before[1])


def test_resnet_blocks_add_their_input_back() -> None:
    net = ResNet(widths=(4, 4), classes=3).eval()
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        net.blocks[0].b2.weight.zero_()
        net.blocks[0].b2.bias.zero_()  # the residual branch now adds 0: the block is relu(identity)
    stem = net.stem(x)
    torch.testing.assert_close(net.head(net.blocks[1](torch.relu(stem)).mean(dim=(2, 3))), net(x))


def test_workloads_are_tasks_and_charlm_ones_train_their_named_architecture() -> None:
    assert all(isinstance(zoo.get(n), Workload) and isinstance(zoo.get(n), Task) for n in zoo.names())
    archs = {"gru": GRULM, "nplm": NPLM, "transformer": CharLM}
    charlms = [zoo.get(n) for n in zoo.names() if isinstance(zoo.get(n), CharLMWorkload)]
    assert {w.arch for w in charlms} == set(archs)
    for w in charlms:
        model = w._model()
        assert isinstance(model, archs[w.arch])
        read_out = model.mlp[-1] if w.arch == "nplm" else model.head
        assert read_out.out_features == len(w.corpus.vocab)  # one logit per character of its corpus


def test_no_decay_groups_split_matrices_from_vectors() -> None:
    m = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 4), nn.LayerNorm(4))
    decay, rest = no_decay_groups(m)
    assert [p.shape for p in decay["params"]] == [torch.Size([5, 3]), torch.Size([4, 3])]
    assert [p.shape for p in rest["params"]] == [torch.Size([4])] * 3 and rest["weight_decay"] == 0.0
    opt = torch.optim.AdamW(no_decay_groups(m), lr=1e-3, weight_decay=0.1)
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]
