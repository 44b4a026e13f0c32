"""``match``: the mentorship matches page (pairs, and mentees waiting for a mentor)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from bots.directory import Organizer
from bots.matching import (
    REGION,
    Matching,
    Pair,
    find_mentees,
    find_mentors,
    match,
    read_pairs,
    render_matches,
)
from bots.model import Problem, Snapshot
from bots.regions import MarkerError, read_region, region_writer, replace_region
from bots.wiki import Wiki, info


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The planned matching, the pairs on the page now, and why it cannot be saved."""

    matching: Matching
    body: str
    on_page: tuple[Pair, ...]
    problems: tuple[Problem, ...]


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            today: dt.date | None = None) -> Prepared:
    """Match mentees with the listed mentors, keeping the pairs the page holds."""
    settings = wiki.settings
    title = settings.pages.mentorship
    text = wiki.text(title)
    problems: tuple[Problem, ...] = ()
    try:
        replace_region(text, REGION, '')
    except MarkerError as exc:
        problems = (Problem(title, 'matches-not-saved',
                            f'The matches page was not saved: {exc}. Put both markers back '
                            'around the generated tables; the bot will not guess.'),)
    on_page = tuple(read_pairs(read_region(text, REGION)))
    matching = match(find_mentees(snapshot.requests), find_mentors(organizers),
                     settings.network.mentor_capacity, on_page,
                     today or dt.datetime.now(dt.UTC).date())
    return Prepared(matching, render_matches(matching, wiki.language_names()), on_page,
                    problems)


def write(wiki: Wiki, prepared: Prepared) -> int:
    """Save the matches region; exit code 1 when its markers are broken."""
    if prepared.problems:
        return 1
    before = {(p.mentee, p.mentor) for p in prepared.on_page}
    after = {(p.mentee, p.mentor) for p in prepared.matching.pairs}
    summary = (f'leadership-bot: mentorship matches +{len(after - before)} '
               f'−{len(before - after)} pairs, {len(prepared.matching.unmatched)} waiting')
    wiki.save(wiki.settings.pages.mentorship, region_writer(REGION, prepared.body), summary)
    info(f'match: {len(after)} pairs, {len(prepared.matching.unmatched)} mentees waiting')
    return 0
