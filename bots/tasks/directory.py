"""``directory``: the partnership-organizer directory, its subpages and its JSON copy.

:func:`prepare` reads the pages as they are and plans the new ones; the wipe guard
(too many organizers dropped, or broken markers) turns into a report problem and no
directory edit. :func:`write` saves what was planned.
"""

from __future__ import annotations

import dataclasses

from bots.directory import (
    REGION,
    DirectoryPlan,
    Organizer,
    build_organizers,
    listed_rows,
    plan_directory,
    render_json,
    stale_body,
)
from bots.model import Problem, Snapshot
from bots.regions import markers, read_region, region_writer, replacement
from bots.wiki import Wiki, info


@dataclasses.dataclass(frozen=True)
class Prepared:
    """A directory plan, or why it must not be saved."""

    plan: DirectoryPlan | None
    stale: tuple[str, ...]
    json_text: str | None
    problems: tuple[Problem, ...]
    organizers: tuple[Organizer, ...] = ()  # as planned
    listed_now: frozenset[str] = frozenset()  # as the pages list them before this run

    @property
    def blocked(self) -> bool:
        """Whether the wipe guard stopped the directory from being saved."""
        return self.plan is None


def prepare(wiki: Wiki, snapshot: Snapshot, force_removal: bool = False) -> Prepared:
    """Plan the directory against the pages as they are now."""
    settings = wiki.settings
    title = settings.pages.directory
    current = wiki.texts_under(title + '/')
    main = wiki.text(title)
    if main is not None:
        current[title] = main
    begin, end = markers(REGION)
    previous: dict[str, str] = {}
    for page, text in sorted(current.items()):
        if (begin in text or end in text) and read_region(text, REGION) is None:
            return _blocked(title, f'[[{page}]] has a broken directory marker (BEGIN or END '
                                   'missing, repeated or out of order). Put both markers back '
                                   'around the generated table; the bot will not guess.')
        previous.update(listed_rows(read_region(text, REGION)))
    organizers = build_organizers(snapshot.requests)
    plan = plan_directory(organizers, settings.vocabulary.regions, title,
                          settings.directory.max_rows_per_page, wiki.language_names(),
                          previous)
    limit = settings.directory.max_removed_share
    if plan.removed_share > limit and not force_removal:
        return _blocked(title, f'This run would remove {len(plan.removed)} of {plan.previous} '
                               f'listed organizers ({plan.removed_share:.0%}, more than the '
                               f'{limit:.0%} allowed by directory.max_removed_share), so the '
                               'directory was not saved. If this is right, an operator runs '
                               '"leadership-bot directory -force-removal".')
    planned = {page.title for page in plan.pages}
    stale = tuple(sorted(t for t, text in current.items()
                         if t not in planned and begin in text))
    json_text = render_json(organizers, title) if settings.pages.directory_json else None
    return Prepared(plan, stale, json_text, (), tuple(organizers), frozenset(previous))


def _blocked(title: str, message: str) -> Prepared:
    return Prepared(None, (), None, (Problem(title, 'directory-not-saved', message),))


def write(wiki: Wiki, prepared: Prepared) -> int:
    """Save the planned pages; exit code 1 when the wipe guard fired."""
    if prepared.plan is None:
        for problem in prepared.problems:
            info(f'directory: not saved: {problem.message}')
        return 1
    plan = prepared.plan
    for page in plan.pages:
        wiki.save(page.title, region_writer(REGION, page.body), plan.summary())
    pointer = region_writer(REGION, stale_body(wiki.settings.pages.directory))
    for title in prepared.stale:
        wiki.save(title, pointer, 'leadership-bot: directory subpage no longer used')
    if prepared.json_text is not None:
        wiki.save(wiki.settings.pages.directory_json, replacement(prepared.json_text),
                  plan.summary() + ' (JSON copy)', content_model='json')
    info(f'directory: {sum(len(p.users) for p in plan.pages)} organizers on '
         f'{len(plan.pages)} pages; {plan.summary()}')
    return 0

