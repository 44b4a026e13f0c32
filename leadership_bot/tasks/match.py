"""``match``: the mentorship matches page (pairs, and mentees waiting for a mentor).

The pairs of earlier runs come from the bot's own data page
(:mod:`leadership_bot.core.state`), never from the matches page, which anyone can edit: a
row someone adds or changes there makes no pair, keeps none and notifies nobody; it is
reported and written over. :func:`prepare` gathers the facts and plans
(:func:`~leadership_bot.core.plans.plan_matches`); :func:`write` saves what was planned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from leadership_bot.core.blocks import block_writer
from leadership_bot.core.directory import Organizer
from leadership_bot.core.matching import BLOCK, Pair
from leadership_bot.core.model import Snapshot
from leadership_bot.core.plans import MatchFacts, MatchPrepared, plan_matches
from leadership_bot.core.state import pairs_data, pairs_from, pairs_name
from leadership_bot.wiki.guard import BlockGuard
from leadership_bot.wiki.site import Wiki, info


def gather(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
           guard: BlockGuard, today: dt.date | None = None) -> MatchFacts:
    """Every fact matching decides on: the matches page, the bot's pairs (its data page;
    on a first run, its own latest revision of the page), the requests and the listed
    organizers."""
    title = wiki.settings.pages.mentorship
    text = wiki.text(title)
    stored: tuple[Pair, ...] | None = pairs_from(wiki.read_own(pairs_name(title)))
    return MatchFacts(guard.facts(title, BLOCK, text, own=stored is None), stored,
                      tuple(snapshot.requests), tuple(organizers), wiki.language_names(),
                      today or dt.datetime.now(dt.UTC).date())


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            guard: BlockGuard, today: dt.date | None = None) -> MatchPrepared:
    """Match mentees with the listed mentors, keeping the pairs the bot made before:
    gather (:func:`gather`), plan (:func:`~leadership_bot.core.plans.plan_matches`)."""
    prepared = plan_matches(gather(wiki, snapshot, organizers, guard, today), wiki.settings)
    guard.adopt(prepared.adopted)
    return prepared


def write(wiki: Wiki, prepared: MatchPrepared, guard: BlockGuard) -> int:
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
