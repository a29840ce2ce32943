"""The lab report's words: a short title per demo, what to look at in its figure, and the
interactive page's caption per problem. Kept apart from the plotting code so the prose can be
read (and reviewed) in one place; a test checks that every demo and problem has its entry.
"""

from __future__ import annotations

__all__ = ["TITLES", "LOOK_FOR", "PROBLEM_CAPTIONS"]

#: The section heading of each demo (its claim is the figure's own title).
TITLES: dict[str, str] = {
    "divergence": "Too high a rate diverges",
    "slow_convergence": "Too low a rate crawls",
    "oscillation": "A high rate oscillates",
    "stability_limit": "The curvature sets how high is too high",
    "schedules_compared": "Schedules: start high, end low",
    "warmup": "Warmup: a small rate first",
    "adaptive_per_parameter": "Adaptive methods: one rate per parameter",
    "local_minimum": "A small rate can get stuck",
    "batch_size_scaling": "Bigger batches need bigger rates",
    "finder_explained": "The learning-rate finder",
    "kohonen": "Kohonen maps: a rate that decays linearly",
}

#: What to look at in each demo's figure, in plain words.
LOOK_FOR: dict[str, str] = {
    "divergence": (
        "Left: four runs of gradient descent from the star, each at a rate given as a multiple of the "
        "stability limit 2/L. Below the limit the path reaches the minimum in the centre (near the limit "
        "it zig-zags across the valley on the way); above it every step lands farther out. Right: the "
        "same runs' distance to the minimum (log scale): the runs below 1 x 2/L fall, the ones above it "
        "climb without end."
    ),
    "slow_convergence": (
        "Left: how far each run still is from the minimum (log scale) for four rates, the last one tuned "
        "for this problem. The smallest rate is still far away after 2,000 steps. Right: the steps each "
        "rate needs to reach the dashed target: the smaller the rate, the more steps, roughly in proportion."
    ),
    "oscillation": (
        "Left: the steep coordinate over time. At the lower rate it glides to zero; at the higher one it "
        "flips sign every step, overshooting the minimum by less each time. Right: the same two runs on the "
        "loss contours: the higher rate bounces from one wall of the valley to the other."
    ),
    "stability_limit": (
        "Each colour is a bowl of a different steepness L. Read a curve from left to right: the loss after "
        "100 steps falls as the rate grows, is best just below its dashed line at 2/L, and shoots up past "
        "it. A steeper bowl moves the cliff to smaller rates, so no 'typical' rate is safe everywhere."
    ),
    "schedules_compared": (
        "Left: the rate each schedule uses over time. Right: the loss it reaches, averaged over 8 seeds "
        "(log scale). A high constant rate stays high and noisy; the schedules that start high and decay "
        "end lower than either constant rate: fast progress early, fine adjustment late."
    ),
    "warmup": (
        "Left: paths from the star on a bowl that is steep far from its centre. Middle: the loss. Right: "
        "the rate times the local steepness; above the dashed line at 2 a step overshoots. Without warmup "
        "the first steps are far above 2 and the run blows up; with warmup it stays below 2 and converges; "
        "a low constant rate is safe but slow."
    ),
    "adaptive_per_parameter": (
        "Left: how many times larger a rate each method gives the flat direction of an elongated bowl than "
        "its steep direction. SGD uses one rate for both (1x); AdaGrad, RMSProp and Adam divide by each "
        "coordinate's gradient size and give the flat direction about 100 times more (their lines lie on "
        "top of each other; the markers tell them apart). Right: each method's path, one panel each: SGD "
        "zig-zags across the steep direction, the adaptive methods head almost straight for the minimum."
    ),
    "local_minimum": (
        "Left: two runs from the same start (star) on a landscape with two valleys. The small rate rolls "
        "into the nearer, shallower valley and stays there; the larger rate overshoots it and settles in the "
        "deeper one. Right: where runs at many rates end: small rates in the local minimum (top dashed "
        "line), larger ones in the global minimum (bottom)."
    ),
    "batch_size_scaling": (
        "Left: the validation loss after 2 epochs as the batch grows. With the rate kept fixed, larger "
        "batches end worse (the same epochs are fewer steps); growing the rate with the batch wins it back: "
        "the square root of the batch ratio part of it, the ratio itself (linear scaling) all of it here. "
        "Right: the training loss of each setting over the epochs."
    ),
    "finder_explained": (
        "Left: a range test on a real task: the loss as the rate grows a little with every step (log "
        "scale). The orange dot is lrkit's suggestion, where the loss is falling fast; the dashed black "
        "line is where training blows up. Right: three full runs at a hundredth of the suggestion (crawls), "
        "at the suggestion (trains well) and at the blow-up rate (diverges)."
    ),
    "kohonen": (
        "A 10 x 10 map learning colours: each square is one unit's colour. Compare the two numbers above "
        "each map: QE, how far the data are from their unit (lower fits better), and TE, how often "
        "neighbouring data land on units that are not neighbours (lower is more orderly). The linearly "
        "decaying rate gives an orderly map that fits well; a constant high rate fits as well but leaves it "
        "less orderly; a constant low rate fits worst. Right: both errors over training."
    ),
}

#: The interactive page's caption for each problem (it changes with the problem selector).
PROBLEM_CAPTIONS: dict[str, str] = {
    "quadratic": (
        "An elongated bowl (2/L = 2). Below the stability limit gradient descent converges; near it, it "
        "zig-zags across the steep direction; above it, it diverges."
    ),
    "rosenbrock": (
        "A narrow, curved valley. The iterates drop to the valley floor quickly, then crawl along it to "
        "the minimum at (1, 1); too high a rate bounces off the walls and diverges."
    ),
    "double_well": (
        "Two valleys; the start sits above the shallower one (right). Small rates settle there, a local "
        "minimum; larger rates can jump to the deeper valley on the left; too large diverge."
    ),
    "saddle": (
        "A saddle at the centre between two minima (top and bottom). The iterates slide towards the "
        "saddle, slow down there, and escape to a minimum; the smaller the rate, the longer they linger."
    ),
}
