"""Autopilot's choice of the peak rate from its in-run range test (the probe)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lrkit.finder import suggest

__all__ = ["probe_peak"]


def probe_peak(
    probe_lrs: Sequence[float], probe_losses: Sequence[float], lr_min: float, diverged_at: float | None
) -> tuple[float, str]:
    """The peak rate for the run after a probe, and how it was chosen.

    ``lrkit.finder.suggest``'s default rule first; on a curve too noisy for it the
    smoothed ``valley`` then ``minimum/10`` rules; last resort the sweep's middle rate
    (``lr_min`` for an empty probe). If the probe diverged at rate ``r``, the peak is
    clipped to :math:`[r/30,\\ r/3]`.

    Args:
        probe_lrs: the rate of each applied probe update.
        probe_losses: the loss of each applied probe update.
        lr_min: the sweep's lowest rate (the answer when no update was applied).
        diverged_at: the rate at which the probe stopped on divergence, or ``None``.

    Returns:
        ``(peak, how)``: the rate and a one-line account for the events log.

    Example:
        >>> probe_peak([], [], 1e-5, None)
        (1e-05, 'probe failed at once')
    """
    lrs, losses = np.array(probe_lrs), np.array(probe_losses)
    peak, how = None, "probe failed at once"
    # lrkit's default rule first; on a curve too noisy for it, the smoothed-minimum rules.
    for rule in ("default", "valley", "minimum/10"):
        s = suggest(lrs, losses, rule) if lrs.size else None
        if s is not None and s.lr is not None:
            peak, how = float(s.lr), f"{rule}: {s.reason}"
            break
    if peak is None:
        peak = float(lrs[len(lrs) // 2]) if lrs.size else lr_min
    if diverged_at is not None:
        # The probe found where training breaks (rate r): the peak goes within [r/30, r/3], the
        # classical "a decade below the blow-up" band, whatever a noisy curve made the rule say.
        r = diverged_at
        clipped = min(max(peak, r / 30), r / 3)
        if clipped != peak:
            how += f"; clipped to [{r / 30:.3g}, {r / 3:.3g}] below the divergence at {r:.3g}"
        peak = clipped
    return peak, how
