"""``match``: the mentorship matches page (pairs, and mentees waiting for a mentor).

The pairs of earlier runs come from the bot's own data page (:mod:`leadership_bot.core.state`),
never
from the matches page, which anyone can edit: a row someone adds or changes there makes
no pair, keeps none and notifies nobody; it is reported and written over.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from leadership_bot.core.blocks import MarkerError, block_writer, replace_block
from leadership_bot.core.directory import Organizer
from leadership_bot.core.matching import (
    BLOCK,
    Matching,
    Pair,
    find_mentees,
    find_mentors,
    match,
    read_pairs,
    render_matches,
)
from leadership_bot.core.model import Problem, ProblemCode, Snapshot
from leadership_bot.core.state import BlockGuard, pairs_data, pairs_from, pairs_name
from leadership_bot.wiki.site import Wiki, info


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The planned matching, the bot's pairs before this run, and what to report."""

    matching: Matching
    body: str
    previous: tuple[Pair, ...]  # the pairs the bot made before this run
    problems: tuple[Problem, ...]  # for the report
    blocked: bool = False  # broken markers: the page must not be saved
    stored: bool = True  # whether the bot's data page holds ``previous`` already


def previous_pairs(wiki: Wiki, guard: BlockGuard) -> tuple[tuple[Pair, ...], bool]:
    """The pairs the bot made before this run, and whether its data page holds them.

    Before the data page exists (the first run of this version), the pairs are read from
    the bot's own latest revision of the matches page (``rvuser``): what the bot itself
    wrote there, never a later edit by anyone else.
    """
    title = wiki.settings.pages.mentorship
    stored = pairs_from(wiki.read_own(pairs_name(title)))
    if stored is not None:
        return stored, True
    return tuple(sorted(read_pairs(guard.own_block(title, BLOCK)))), False


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            guard: BlockGuard, today: dt.date | None = None) -> Prepared:
    """Match mentees with the listed mentors, keeping the pairs the bot made before."""
    settings = wiki.settings
    title = settings.pages.mentorship
    text = wiki.text(title)
    problems: list[Problem] = []
    blocked = False
    try:
        replace_block(text, BLOCK, '')
    except MarkerError as exc:
        blocked = True
        problems.append(Problem(title, ProblemCode.MATCHES_NOT_SAVED,
                                f'The matches page was not saved: {exc}. Put both markers '
                                'back around the generated tables; the bot will not guess.'))
    changed = guard.check(title, BLOCK, text)
    if changed:
        problems.append(changed)
    previous, stored = previous_pairs(wiki, guard)
    matching = match(find_mentees(snapshot.requests), find_mentors(organizers),
                     settings.network.mentor_capacity, previous,
                     today or dt.datetime.now(dt.UTC).date())
    return Prepared(matching, render_matches(matching, wiki.language_names()), previous,
                    tuple(problems), blocked, stored)


def write(wiki: Wiki, prepared: Prepared, guard: BlockGuard) -> int:
    """Save the matches block, then the bot's pairs; exit code 1 when its markers are
    broken (the bot's pairs then stay as they were)."""
    if prepared.blocked:
        return 1
    title = wiki.settings.pages.mentorship
    before = {(p.mentee, p.mentor) for p in prepared.previous}
    after = {(p.mentee, p.mentor) for p in prepared.matching.pairs}
    summary = (f'leadership-bot: mentorship matches +{len(after - before)} '
               f'−{len(before - after)} pairs, {len(prepared.matching.unmatched)} waiting')
    wiki.save(title, block_writer(BLOCK, prepared.body), summary)
    if title in wiki.failed:
        return 1  # the bot's pairs stay those the page showed before
    guard.wrote(title, prepared.body)
    name = pairs_name(title)
    if (set(prepared.matching.pairs) != set(prepared.previous) or not prepared.stored
            or guard.restore(name)):
        wiki.save_own(name, pairs_data(prepared.matching.pairs, title),
                      f'{summary} (the bot\'s pairs for [[{title}]])')
    info(f'match: {len(after)} pairs, {len(prepared.matching.unmatched)} mentees waiting')
    return 0
