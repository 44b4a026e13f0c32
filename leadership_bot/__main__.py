"""``python -m leadership_bot`` is ``leadership-bot``."""

import sys

from leadership_bot.cli import main

sys.exit(main())
