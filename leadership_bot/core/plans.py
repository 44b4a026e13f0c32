"""Pure planning of the pages the bot writes: facts in, a plan out.

Each task gathers every fact it decides on first (the pages as they are, the bot's own
data pages, the bot's own revisions where the block check or a first run needs them)
into a frozen dataclass, then calls one function here, then saves what it planned
(:mod:`leadership_bot.tasks`). So the wipe guard, the marker checks, the block check and
stable matching can be run on plain data.

- :func:`plan_directory_run`: the directory (its pages, the wipe guard, stale subpages,
  the JSON copy);
- :func:`plan_matches`: the matches page (the pairs kept from earlier runs, the new ones);
- :func:`plan_report`: the report page's own block check.

Every one of them goes by the same marker check (:func:`~leadership_bot.core.blocks.check_markers`,
which saving goes by too) and the same block check (:func:`~leadership_bot.core.state.check_block`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence

from leadership_bot.core import directory, matching
from leadership_bot.core.blocks import check_markers
from leadership_bot.core.directory import (
    DirectoryPlan,
    Organizer,
    build_organizers,
    listed_rows,
    plan_directory,
    render_json,
    wipe_guard,
)
from leadership_bot.core.matching import (
    Matching,
    Pair,
    find_mentees,
    find_mentors,
    match,
    read_pairs,
    render_matches,
)
from leadership_bot.core.model import Checked, Problem, ProblemCode
from leadership_bot.core.settings import Settings
from leadership_bot.core.state import BlockCheck, BlockFacts, check_block


def _adopted(checks: Sequence[BlockCheck]) -> tuple[BlockCheck, ...]:
    return tuple(c for c in checks if c.adopt is not None)


# -- directory


@dataclasses.dataclass(frozen=True)
class DirectoryFacts:
    """Everything planning the directory decides on."""

    title: str  # the directory's main page
    pages: tuple[BlockFacts, ...]  # the main page (when it exists) and its subpages, by title
    stored_listing: Mapping[str, str] | None  # the bot's data page (None: none yet)
    requests: tuple[Checked, ...]
    language_names: Mapping[str, str]
    json_title: str = ''  # the JSON copy's page ('': no copy)
    json_parts: tuple[str, ...] = ()  # the JSON copy's subpages as they are
    max_bytes: int = 2048 * 1024  # the wiki's page size limit


@dataclasses.dataclass(frozen=True)
class DirectoryPrepared:
    """A directory plan, or why it must not be saved, and what to report."""

    plan: DirectoryPlan | None
    stale: tuple[str, ...]
    json_pages: dict[str, str]  # the JSON copy's pages (title -> text), when it is on
    problems: tuple[Problem, ...]
    organizers: tuple[Organizer, ...] = ()  # as planned
    listed_now: frozenset[str] = frozenset()  # as the bot listed them before this run
    stored: bool = True  # whether the bot's data page holds that listing already
    adopted: tuple[BlockCheck, ...] = ()  # the bot's own blocks whose fingerprint lagged

    @property
    def blocked(self) -> bool:
        """Whether the wipe guard (or a broken marker) stopped the directory from being
        saved."""
        return self.plan is None


def listing_needs_history(stored_listing: Mapping[str, str] | None, text: str | None) -> bool:
    """Whether the previous listing needs the bot's own revision of a directory page:
    on a first run (no data page yet), of every page with a directory marker."""
    return stored_listing is None and check_markers(text, directory.BLOCK).marked


def previous_listing(facts: DirectoryFacts) -> tuple[dict[str, str], bool]:
    """Whom the bot listed before this run (user -> row digest), and whether its data
    page holds it.

    Before the data page exists (the first run of this version), the listing is read
    from the bot's own latest revision of each directory page that has a directory
    marker: what the bot itself wrote, never a later edit by anyone else. A wiki where
    the bot never wrote the directory starts from an empty listing.
    """
    if facts.stored_listing is not None:
        return dict(facts.stored_listing), True
    listing: dict[str, str] = {}
    for page in facts.pages:
        if check_markers(page.text, directory.BLOCK).marked:
            listing.update(listed_rows(page.own_block()))
    return listing, False


def plan_directory_run(facts: DirectoryFacts, settings: Settings,
                       force_removal: bool = False) -> DirectoryPrepared:
    """Plan the directory against the listing the bot made before this run.

    Blocked (no directory edit, a ``directory-not-saved`` problem) by a broken marker on
    any of its pages or by :func:`~leadership_bot.core.directory.wipe_guard`.
    """
    title = facts.title
    checks = [check_block(page) for page in facts.pages]
    changes = tuple(c.problem for c in checks if c.problem is not None)
    adopted = _adopted(checks)
    previous, stored = previous_listing(facts)
    # Built before any check: a blocked directory still tells matching and notices
    # whom it lists (those listed before who still qualify).
    organizers = tuple(build_organizers(facts.requests))

    def blocked(message: str) -> DirectoryPrepared:
        problem = Problem(title, ProblemCode.DIRECTORY_NOT_SAVED, message)
        return DirectoryPrepared(None, (), {}, (*changes, problem), organizers=organizers,
                                 listed_now=frozenset(previous), adopted=adopted)

    for page in facts.pages:
        if check_markers(page.text, directory.BLOCK).broken:
            return blocked(f'[[{page.title}]] has a broken directory marker (BEGIN or END '
                           'missing, repeated or out of order). Put both markers back around '
                           'the generated table; the bot will not guess.')
    plan = plan_directory(organizers, settings.vocabulary.regions, title,
                          settings.directory.max_rows_per_page, facts.language_names,
                          previous, region_names=settings.vocabulary.region_labels)
    refusal = wipe_guard(plan, settings.directory.max_removed_share, force_removal)
    if refusal is not None:
        return blocked(refusal)
    planned = {page.title for page in plan.pages}
    stale = tuple(sorted(page.title for page in facts.pages if page.title not in planned
                         and check_markers(page.text, directory.BLOCK).marked))
    json_pages = render_json(organizers, title, facts.json_title, facts.max_bytes) \
        if facts.json_title else {}
    if facts.json_title:  # parts no longer needed are emptied, not left with old data
        for old in facts.json_parts:
            json_pages.setdefault(old, json.dumps({'schema': 2, 'directory': title,
                                                   'organizers': []}))
    return DirectoryPrepared(plan, stale, json_pages, changes, organizers, frozenset(previous),
                             stored, adopted)


# -- matches


@dataclasses.dataclass(frozen=True)
class MatchFacts:
    """Everything planning the matches page decides on."""

    page: BlockFacts  # the matches page and its block check
    stored_pairs: tuple[Pair, ...] | None  # the bot's data page (None: none yet)
    requests: tuple[Checked, ...]
    organizers: tuple[Organizer, ...]  # as listed after this run
    language_names: Mapping[str, str]
    today: dt.date


@dataclasses.dataclass(frozen=True)
class MatchPrepared:
    """The planned matching, the bot's pairs before this run, and what to report."""

    matching: Matching
    body: str
    previous: tuple[Pair, ...]  # the pairs the bot made before this run
    problems: tuple[Problem, ...]  # for the report
    blocked: bool = False  # broken markers: the page must not be saved
    stored: bool = True  # whether the bot's data page holds ``previous`` already
    adopted: tuple[BlockCheck, ...] = ()  # the bot's own block whose fingerprint lagged


def previous_pairs(facts: MatchFacts) -> tuple[tuple[Pair, ...], bool]:
    """The pairs the bot made before this run, and whether its data page holds them.

    Before the data page exists (the first run of this version), the pairs are read from
    the bot's own latest revision of the matches page: what the bot itself wrote there,
    never a later edit by anyone else.
    """
    if facts.stored_pairs is not None:
        return tuple(facts.stored_pairs), True
    return tuple(sorted(read_pairs(facts.page.own_block()))), False


def plan_matches(facts: MatchFacts, settings: Settings) -> MatchPrepared:
    """Match mentees with the listed mentors, keeping the pairs the bot made before."""
    page = facts.page
    problems: list[Problem] = []
    fault = check_markers(page.text, matching.BLOCK).fault
    if fault is not None:
        problems.append(Problem(page.title, ProblemCode.MATCHES_NOT_SAVED,
                                f'The matches page was not saved: {fault}. Put both markers '
                                'back around the generated tables; the bot will not guess.'))
    check = check_block(page)
    if check.problem is not None:
        problems.append(check.problem)
    previous, stored = previous_pairs(facts)
    result = match(find_mentees(facts.requests), find_mentors(facts.organizers),
                   settings.network.mentor_capacity, previous, facts.today)
    return MatchPrepared(result, render_matches(result, facts.language_names), previous,
                         tuple(problems), fault is not None, stored, _adopted([check]))


# -- report


@dataclasses.dataclass(frozen=True)
class ReportPlan:
    """What the report page's own block check found."""

    problems: tuple[Problem, ...]  # a human edit inside the report block
    adopted: tuple[BlockCheck, ...] = ()


def plan_report(page: BlockFacts) -> ReportPlan:
    """The report page's block check (the page itself is rendered when it is written)."""
    check = check_block(page)
    return ReportPlan((check.problem,) if check.problem else (), _adopted([check]))
