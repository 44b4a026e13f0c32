"""``directory``: the partnership-organizer directory, its subpages and its JSON copy.

:func:`prepare` gathers the pages as they are (:func:`gather`) and plans the new ones
(:func:`~leadership_bot.core.plans.plan_directory_run`); the wipe guard (too many
organizers dropped, :func:`~leadership_bot.core.directory.wipe_guard`) and broken markers
turn into a report problem and no directory edit. Whom the directory listed before this
run comes from the bot's own data page (:mod:`leadership_bot.core.state`), never from the
directory pages, which anyone can edit: a row someone adds or deletes there lists nobody,
unlists nobody and cannot fool the wipe guard; it is reported and written over.
:func:`write` saves what was planned, then the bot's listing.
"""

from __future__ import annotations

from leadership_bot.core.blocks import block_writer, replacement
from leadership_bot.core.directory import BLOCK, stale_body
from leadership_bot.core.model import Snapshot
from leadership_bot.core.plans import (
    DirectoryFacts,
    DirectoryPrepared,
    listing_needs_history,
    plan_directory_run,
)
from leadership_bot.core.state import listing_data, listing_from, listing_name
from leadership_bot.wiki.guard import BlockGuard
from leadership_bot.wiki.site import Wiki, info


def gather(wiki: Wiki, snapshot: Snapshot, guard: BlockGuard) -> DirectoryFacts:
    """Every fact the directory plan decides on: its pages as they are (with what their
    block checks need), the bot's listing (its data page; on a first run, its own latest
    revision of each directory page), the JSON copy's parts and the requests."""
    settings = wiki.settings
    title = settings.pages.directory
    current = wiki.texts_under(title + '/')
    main = wiki.text(title)
    if main is not None:
        current[title] = main
    stored = listing_from(wiki.read_own(listing_name(title)))
    pages = tuple(guard.facts(page, BLOCK, text, own=listing_needs_history(stored, text))
                  for page, text in sorted(current.items()))
    json_title = settings.pages.directory_json
    json_parts = tuple(wiki.texts_under(json_title + '/')) if json_title else ()
    return DirectoryFacts(title, pages, stored, tuple(snapshot.requests),
                          wiki.language_names(), json_title, json_parts, wiki.max_bytes)


def prepare(wiki: Wiki, snapshot: Snapshot, guard: BlockGuard,
            force_removal: bool = False) -> DirectoryPrepared:
    """Plan the directory against the listing the bot made before this run."""
    prepared = plan_directory_run(gather(wiki, snapshot, guard), wiki.settings, force_removal)
    guard.adopt(prepared.adopted)
    return prepared


def write(wiki: Wiki, prepared: DirectoryPrepared, guard: BlockGuard) -> int:
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
