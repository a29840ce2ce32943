"""Measured CPU cost of one full run of each zoo workload (``WorkloadInfo.cost``).

Seconds of process time on one torch thread, the fastest of two seeds at the optimizer's conventional
rate (a diverged run stops early, so the rate matters), measured with ``lrkit.tasks.train`` on the
development machine (2 cores shared with other jobs). ``benchmarks/zoo_ground_truth.py`` records the
cost of every grid run.
"""

__all__ = ["MEASURED_COST"]

MEASURED_COST: dict[str, float] = {
    "autoencoder-curve-momentum": 0.23,
    "autoencoder-digits-adam": 0.30,
    "charlm-gru-adam": 1.38,
    "charlm-nplm-sgd": 0.07,
    "charlm-transformer-adamw": 2.30,
    "deep-relu8-sgd": 0.52,
    "deep-tanh6-momentum": 0.34,
    "deep-wide-sgd": 0.70,
    "embbag-keyword-sgd": 0.20,
    "embbag-module-adagrad": 0.26,
    "embbag-module-adam": 0.52,
    "finetune-bert-keyword-adamw": 3.12,
    "finetune-bert-module-adamw": 3.55,
    "finetune-cnn-adam": 0.38,
    "finetune-cnn-momentum": 0.10,
    "linear-logistic-sgd512": 0.05,
    "linear-regression-sgd": 0.27,
    "linear-softmax-adagrad": 0.08,
    "norm-bn-nesterov": 0.32,
    "norm-bn-sgd512": 0.28,
    "norm-ln-adamw": 0.43,
    "regression-friedman2-nadam": 0.34,
    "regression-huber-adam": 0.17,
    "regression-huber-momentum": 0.14,
    "resnet-digits-momentum": 1.46,
    "resnet-shapes-adamw": 1.43,
    "resnet-shapes-nesterov": 1.96,
    "rnn-adding-lstm-nadam": 1.21,
    "rnn-recall-gru-adam": 1.12,
    "rnn-recall-lstm-rmsprop": 0.78,
    "tabular-blobs-sgd": 0.05,
    "tabular-cancer-momentum": 0.04,
    "tabular-friedman-rmsprop": 0.39,
    "tabular-wine-adam": 0.06,
    "transformer-keyword-radam": 2.65,
    "transformer-marker-adamw": 2.26,
    "transformer-module-adam": 2.18,
}
