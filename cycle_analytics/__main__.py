"""``python -m cycle_analytics``: see :mod:`cycle_analytics.cli`."""

import sys

from cycle_analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
