# Type stub of lrkit/__init__.py, whose subpackage names load lazily (PEP 562): type checkers read the
# real names here (the lazy-loader pattern), instead of `__getattr__ -> object`. Keep in step with _LAZY.
from lrkit.diagnostics import Diagnosis as Diagnosis
from lrkit.diagnostics import diagnose as diagnose
from lrkit.errors import LRKitError as LRKitError
from lrkit.errors import RateConflictWarning as RateConflictWarning
from lrkit.finder import FinderResult as FinderResult
from lrkit.finder import range_test as range_test
from lrkit.plotting import report as report

__version__: str
__all__: list[str]
