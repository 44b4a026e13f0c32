"""The one line of counters every run ends with (as pywikibot's ``BaseBot.exit()``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from leadership_bot.core.model import SaveOutcome


@dataclasses.dataclass
class Tally:
    """What one run did, counted as it goes."""

    task: str
    pages_read: int = 0  # request pages in the snapshot
    problems: int = 0  # report rows
    notices_posted: int = 0
    notices_skipped: int = 0
    notices_waiting: int = 0  # due, left for a later run (max_per_run, held)


def summary_line(tally: Tally, saves: Mapping[SaveOutcome, int], requests: int,
                 seconds: float) -> str:
    """``leadership-bot: all: 12 pages read, 3 problems, saves …; notices …; N API requests``."""
    outcomes = ', '.join(f'{saves.get(o, 0)} {o.value}' for o in SaveOutcome)
    return (f'leadership-bot: {tally.task}: {tally.pages_read} pages read, '
            f'{tally.problems} problems; saves: {outcomes}; notices: '
            f'{tally.notices_posted} posted, {tally.notices_skipped} skipped, '
            f'{tally.notices_waiting} waiting; {requests} API requests; {seconds:.1f} s')
