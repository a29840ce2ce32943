"""An Autopilot ramp capped by ``lr_max`` below the blow-up took a peak 17x under the cap (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D13; owner auto: ``torch/_autopilot_peak.py`` with
``finder/_anchor.py``).

``Autopilot(SGD(momentum=0.9), budget=600, model=m, lr_max=L)`` on a digits MLP ("never above L"): with no
cap the ramp blows up near 1.4 and the peak is 0.047 (val_acc 0.917); with ``lr_max`` 1 / 0.1 / 0.03 / 0.01
the ramp never blows up and the peak follows the cap down: 0.0235 / 0.0049 / 0.0018 / 0.0006, val_acc
0.914 / 0.889 / 0.844 / 0.741. The momentum anchor takes the ramp's last rate as the blow-up ("the loss
never blew up: a lower bound") and pulls the reading halfway to 2.25 decades below it; a lower bound of the
blow-up gives a lower bound of the anchor, which says nothing, yet moves the peak 10x down from the rule's
own reading (0.0064 at ``lr_max=0.01``). ``find_lr``'s same reading now says "low" (D6); the Autopilot has
no word to say and trains at it. Expected: a ramp that reached its cap without blowing up does not put the
peak more than a decade below the cap. Now a ramp that reached a cap below its band's top (``sgd_band``,
where the anchor was chosen) without blowing up is read without the anchor, and its ``how`` says so: peaks
0.098 / 0.044 / 0.0064 at ``lr_max`` 1 / 0.1 / 0.01 (seed 0; uncapped 0.047); a warning and
``events[0]["capped_at"]`` say the peak is read below the cap, not below a blow-up.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.torch import Autopilot


def test_a_ramp_that_never_blew_up_below_its_cap_keeps_the_peak_within_a_decade_of_it():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    y = torch.tensor(y)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ap = Autopilot(opt, budget=600, model=model, lr_max=0.01)
    i = 0
    with pytest.warns(UserWarning, match="read below your cap, not below a blow-up"):
        while ap.phase == "probe":
            j = (i * 64) % 1344
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X[j:j + 64]), y[j:j + 64])
            loss.backward()
            ap.step(loss)
            i += 1
    assert ap.events[0]["capped_at"] == 0.01
    assert ap.events[0].get("diverged_at") is None  # the ramp reached its cap without blowing up
    assert ap.peak >= 0.01 / 10, ap.events[0].get("how")
    assert "not anchored: the ramp reached its cap 0.01" in ap.events[0]["how"]
