"""``directory``: the partnership-organizer directory, its subpages and its JSON copy.

:func:`prepare` reads the pages as they are and plans the new ones; the wipe guard
(too many organizers dropped, or broken markers) turns into a report problem and no
directory edit. Whom the directory listed before this run comes from the bot's own data
page (:mod:`leadership_bot.core.state`), never from the directory pages, which anyone can edit: a
row
someone adds or deletes there lists nobody, unlists nobody and cannot fool the wipe
guard; it is reported and written over. :func:`write` saves what was planned, then the
bot's listing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

from leadership_bot.core.blocks import block_writer, markers, read_block, replacement
from leadership_bot.core.directory import (
    BLOCK,
    DirectoryPlan,
    Organizer,
    build_organizers,
    listed_rows,
    plan_directory,
    render_json,
    stale_body,
)
from leadership_bot.core.model import Problem, ProblemCode, Snapshot
from leadership_bot.core.state import BlockGuard, listing_data, listing_from, listing_name
from leadership_bot.wiki.site import Wiki, info


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A directory plan, or why it must not be saved, and what to report."""

    plan: DirectoryPlan | None
    stale: tuple[str, ...]
    json_pages: dict[str, str]  # the JSON copy's pages (title -> text), when it is on
    problems: tuple[Problem, ...]
    organizers: tuple[Organizer, ...] = ()  # as planned
    listed_now: frozenset[str] = frozenset()  # as the bot listed them before this run
    stored: bool = True  # whether the bot's data page holds that listing already

    @property
    def blocked(self) -> bool:
        """Whether the wipe guard stopped the directory from being saved."""
        return self.plan is None


def previous_listing(wiki: Wiki, pages: Mapping[str, str], guard: BlockGuard,
                     ) -> tuple[dict[str, str], bool]:
    """Whom the bot listed before this run (user -> row digest), and whether its data
    page holds it.

    Before the data page exists (the first run of this version), the listing is read
    from the bot's own latest revision of each directory page that has a directory
    block (``rvuser``): what the bot itself wrote, never a later edit by anyone else.
    A wiki where the bot never wrote the directory starts from an empty listing.
    """
    stored = listing_from(wiki.read_own(listing_name(wiki.settings.pages.directory)))
    if stored is not None:
        return stored, True
    begin, end = markers(BLOCK)
    listing: dict[str, str] = {}
    for title, text in sorted(pages.items()):
        if begin in text or end in text:
            listing.update(listed_rows(guard.own_block(title, BLOCK)))
    return listing, False


def prepare(wiki: Wiki, snapshot: Snapshot, guard: BlockGuard,
            force_removal: bool = False) -> Prepared:
    """Plan the directory against the listing the bot made before this run."""
    settings = wiki.settings
    title = settings.pages.directory
    current = wiki.texts_under(title + '/')
    main = wiki.text(title)
    if main is not None:
        current[title] = main
    begin, end = markers(BLOCK)
    changes = tuple(p for page, text in sorted(current.items())
                    if (p := guard.check(page, BLOCK, text)) is not None)
    previous, stored = previous_listing(wiki, current, guard)
    # Built before any check: a blocked directory still tells matching and notices
    # whom it lists (those listed before who still qualify).
    organizers = build_organizers(snapshot.requests)
    for page, text in sorted(current.items()):
        if (begin in text or end in text) and read_block(text, BLOCK) is None:
            return _blocked(title, changes, f'[[{page}]] has a broken directory marker (BEGIN '
                            'or END missing, repeated or out of order). Put both markers back '
                            'around the generated table; the bot will not guess.',
                            frozenset(previous), tuple(organizers))
    plan = plan_directory(organizers, settings.vocabulary.regions, title,
                          settings.directory.max_rows_per_page, wiki.language_names(),
                          previous)
    limit = settings.directory.max_removed_share
    if plan.removed_share > limit and not force_removal:
        return _blocked(title, changes, f'This run would remove {len(plan.removed)} of '
                        f'{plan.previous} listed organizers ({plan.removed_share:.0%}, more '
                        f'than the {limit:.0%} allowed by directory.max_removed_share), so the '
                        'directory was not saved. If this is right, an operator runs '
                        '"leadership-bot directory -force-removal".', frozenset(previous),
                        tuple(organizers))
    planned = {page.title for page in plan.pages}
    stale = tuple(sorted(t for t, text in current.items()
                         if t not in planned and begin in text))
    json_title = settings.pages.directory_json
    json_pages = render_json(organizers, title, json_title, wiki.max_bytes) \
        if json_title else {}
    if json_title:  # parts no longer needed are emptied, not left with old data
        for old in wiki.texts_under(json_title + '/'):
            json_pages.setdefault(old, json.dumps({'schema': 2, 'directory': title,
                                                   'organizers': []}))
    return Prepared(plan, stale, json_pages, changes, tuple(organizers), frozenset(previous),
                    stored)


def _blocked(title: str, changes: tuple[Problem, ...], message: str,
             listed: frozenset[str], organizers: tuple[Organizer, ...]) -> Prepared:
    problem = Problem(title, ProblemCode.DIRECTORY_NOT_SAVED, message)
    return Prepared(None, (), {}, (*changes, problem), organizers=organizers,
                    listed_now=listed)


def write(wiki: Wiki, prepared: Prepared, guard: BlockGuard) -> int:
    """Save the planned pages, then the bot's listing; exit code 1 when the wipe guard
    fired (the bot's listing then stays as it was)."""
    if prepared.plan is None:
        for problem in prepared.problems:
            if problem.code == 'directory-not-saved':
                info(f'directory: not saved: {problem.message}')
        return 1
    plan = prepared.plan
    for page in plan.pages:
        wiki.save(page.title, block_writer(BLOCK, page.body), plan.summary())
        if page.title not in wiki.failed:
            guard.wrote(page.title, page.body)
    pointer = stale_body(wiki.settings.pages.directory)
    for title in prepared.stale:
        wiki.save(title, block_writer(BLOCK, pointer),
                  'leadership-bot: directory subpage no longer used')
        if title not in wiki.failed:
            guard.wrote(title, pointer)
    for title, text in prepared.json_pages.items():
        wiki.save(title, replacement(text), plan.summary() + ' (JSON copy)',
                  content_model='json')
    if any(page.title in wiki.failed for page in plan.pages):
        return 1  # the bot's listing stays what the pages showed before
    name = listing_name(wiki.settings.pages.directory)
    if (set(plan.listing) != prepared.listed_now or plan.changed or not prepared.stored
            or guard.restore(name)):
        wiki.save_own(name, listing_data(plan.listing, wiki.settings.pages.directory),
                      f'{plan.summary()} (the bot\'s listing for '
                      f'[[{wiki.settings.pages.directory}]])')
    info(f'directory: {sum(len(p.users) for p in plan.pages)} organizers on '
         f'{len(plan.pages)} pages; {plan.summary()}')
    return 0
