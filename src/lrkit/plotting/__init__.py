"""Figures and HTML reports built from lrkit's result records.

matplotlib is imported lazily inside each function, so importing this package
is cheap; every plot takes ``ax=None`` and returns the figure, never shows it.
"""

from lrkit.plotting._finder import plot_finder
from lrkit.plotting._diagnosis_report import diagnosis_report, plot_diagnosis
from lrkit.plotting._finder_report import finder_report
from lrkit.plotting._interactive import interactive_section
from lrkit.plotting._lab_report import interactive_page, lab_report
from lrkit.plotting._lab import plot_demo, plot_trajectories
from lrkit.plotting._mpl import figure_and_axes, pyplot
from lrkit.plotting._report import Report, figure_png
from lrkit.plotting._schedule import PLOT_BYTES_PER_STEP, plot_schedule
from lrkit.plotting._write import report

__all__ = [
    "report",
    "Report",
    "plot_schedule",
    "PLOT_BYTES_PER_STEP",
    "plot_finder",
    "finder_report",
    "plot_diagnosis",
    "diagnosis_report",
    "plot_demo",
    "plot_trajectories",
    "lab_report",
    "interactive_page",
    "interactive_section",
    # what other layers' figures are built with: headless pyplot, the ax=None convention, PNG bytes
    "pyplot",
    "figure_and_axes",
    "figure_png",
]
