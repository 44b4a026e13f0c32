"""``python -m bots`` is ``leadership-bot``."""

import sys

from bots.cli import main

sys.exit(main())
