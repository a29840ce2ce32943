"""``python -m lrkit``: the ``lrkit`` command, for an environment whose scripts are not on ``PATH``."""

from lrkit.cli import main

if __name__ == "__main__":
    main()
