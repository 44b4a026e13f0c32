"""The bot's own state: what it wrote, kept where only the bot writes.

Nothing the bot acts on is read back from a page anyone can edit (the trust rules). Its
data pages are ``User:BOT/leadership-….json`` (:meth:`~leadership_bot.wiki.site.Wiki.own_page`):
MediaWiki lets only that user and interface admins edit a user's ``.json`` pages, and
:meth:`~leadership_bot.wiki.site.Wiki.read_own` reads the bot's own latest revision only, so not
even an
interface admin's edit is taken as the bot's state (it is reported, and the page is
written again).

``leadership-pairs/<matches page>.json``
    ``{"schema": 1, "page": TITLE, "pairs": [{"mentee": …, "mentor": …, "since":
    "YYYY-MM-DD"}, …]}``: the mentorship pairs the bot made, saved after the matches
    page whenever the set of pairs changes.
``leadership-directory/<directory page>.json``
    ``{"schema": 1, "page": TITLE, "listed": {USER: ROW FINGERPRINT, …}}``: whom the
    directory lists (and a fingerprint of each row, for the ``~N`` of the edit summary),
    saved after the directory pages.
``leadership-regions.json``
    ``{"schema": 1, "regions": {TITLE: BLOCK FINGERPRINT, …}}``: every bot-managed
    block as the bot last wrote it (:func:`digests_data`; the name and the key are from
    before blocks had their own name, kept for compatibility).

State keyed by a page title keeps configs that write different pages apart.

Pure: the formats of these pages and the block check (:func:`check_block`: is the block
on a page the one the bot wrote?) over facts gathered beforehand (:class:`BlockFacts`).
Reading and saving them is :class:`leadership_bot.wiki.guard.BlockGuard`'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from leadership_bot.core.blocks import block_digest, block_editors, check_markers, read_block
from leadership_bot.core.matching import Pair
from leadership_bot.core.model import Problem, ProblemCode, TextRevision

SCHEMA = 1
BLOCKS_PAGE = 'regions'  # leadership-regions.json: its name from before blocks had one
MAX_NAMED = 5  # editors named in one report row


def pairs_name(title: str) -> str:
    """The data page (a :meth:`~leadership_bot.wiki.site.Wiki.own_page` name) of the matches page
    ``title``."""
    return f'pairs/{title}'


def listing_name(title: str) -> str:
    """The data page of the directory ``title``."""
    return f'directory/{title}'


def pairs_data(pairs: Iterable[Pair], title: str) -> dict[str, Any]:
    """The pairs as the bot stores them."""
    return {'schema': SCHEMA, 'page': title, 'pairs': [
        {'mentee': p.mentee, 'mentor': p.mentor, 'since': p.since.isoformat()}
        for p in sorted(pairs)]}


def pairs_from(data: Any) -> tuple[Pair, ...] | None:
    """Pairs from the bot's data page; ``None`` when there is none (or another schema)."""
    if not isinstance(data, dict) or data.get('schema') != SCHEMA:
        return None
    try:
        return tuple(sorted(Pair(str(p['mentee']), str(p['mentor']),
                                 dt.date.fromisoformat(p['since'])) for p in data['pairs']))
    except (KeyError, TypeError, ValueError):
        return None


def listing_data(listed: Mapping[str, str], title: str) -> dict[str, Any]:
    """Whom the directory lists (user -> row fingerprint), as the bot stores it."""
    return {'schema': SCHEMA, 'page': title, 'listed': dict(sorted(listed.items()))}


def listing_from(data: Any) -> dict[str, str] | None:
    """User -> row fingerprint from the bot's data page; ``None`` when there is none."""
    if not isinstance(data, dict) or data.get('schema') != SCHEMA:
        return None
    listed = data.get('listed')
    if not isinstance(listed, dict):
        return None
    return {str(user): str(digest) for user, digest in listed.items()}


def unauthorized_block(title: str, editors: Sequence[str], restorable: bool) -> Problem:
    """The report row for a human edit inside a bot-managed block."""
    names = [e or 'a user whose name is hidden' for e in editors[:MAX_NAMED]]
    if len(editors) > MAX_NAMED:
        names.append(f'{len(editors) - MAX_NAMED} more')
    who = ', '.join(names) if names else 'Someone'
    then = ('The bot does not take it as input and writes the block again from its own '
            'data.' if restorable else
            'The bot does not take it as input; it writes the block again from its own '
            'data once both markers are back.')
    return Problem(title, ProblemCode.UNAUTHORIZED_CHANGE,
                   f'{who} changed the section the bot writes (between its BEGIN and END '
                   f'markers) after the bot last saved it. {then} Write above or below the '
                   'markers instead, or change the requests themselves.',
                   editors[0] if len(editors) == 1 and editors[0] else None)


def unauthorized_state(title: str, user: str) -> Problem:
    """The report row for an edit of the bot's data page by someone else."""
    return Problem(title, ProblemCode.UNAUTHORIZED_CHANGE,
                   f'{user or "A user whose name is hidden"} edited a data page of the bot. '
                   'The bot reads only its own revisions of it, so the edit has no effect; '
                   'the bot saves its data there again.', user or None)


def digests_from(data: Any) -> dict[str, str]:
    """Title -> block fingerprint from ``leadership-regions.json`` (``{}``: none, or
    another schema)."""
    if not isinstance(data, dict) or data.get('schema') != SCHEMA:
        return {}
    regions = data.get('regions')
    if not isinstance(regions, dict):
        return {}
    return {str(t): str(d) for t, d in regions.items()}


def digests_data(digests: Mapping[str, str]) -> dict[str, Any]:
    """The block fingerprints as the bot stores them in ``leadership-regions.json``."""
    return {'schema': SCHEMA, 'regions': dict(sorted(digests.items()))}


@dataclasses.dataclass(frozen=True)
class OwnRevisions:
    """The bot's own latest revision of a page (``None``: the bot never saved it) and
    the revisions after it, oldest first."""

    own: TextRevision | None = None
    later: tuple[TextRevision, ...] = ()

    def block(self, name: str) -> str | None:
        """The block ``name`` as the bot's own latest revision has it."""
        return read_block(self.own.text, name) if self.own else None


@dataclasses.dataclass(frozen=True)
class BlockFacts:
    """What the block check of one page needs, gathered before planning."""

    title: str
    name: str  # the block's name (its markers)
    text: str | None  # the page as it is (``None``: no such page)
    known: str | None = None  # the fingerprint the bot kept of its block on this page
    history: OwnRevisions | None = None  # read when :func:`needs_history` (or asked for)

    def own_block(self) -> str | None:
        """The block as the bot's own latest revision of the page has it."""
        if self.history is None:
            raise ValueError(f'the bot\'s own revisions of {self.title} were not gathered')
        return self.history.block(self.name)


def needs_history(name: str, text: str | None, known: str | None) -> bool:
    """Whether checking the block ``name`` of ``text`` needs the bot's own revisions: the
    block no longer matches the fingerprint ``known`` (or there is none, but markers
    are on the page). An untouched block costs no history read."""
    if known is None:
        return check_markers(text, name).marked
    return block_digest(read_block(text, name)) != known


@dataclasses.dataclass(frozen=True)
class BlockCheck:
    """The outcome of :func:`check_block` for one page."""

    title: str
    problem: Problem | None = None  # ``unauthorized-change``: a human edit in the block
    adopt: str | None = None  # the bot's own block whose fingerprint lagged: record it


def check_block(facts: BlockFacts) -> BlockCheck:
    """``unauthorized-change`` when the block on the page is not the one the bot wrote.

    When the block no longer matches its fingerprint, the bot's own latest revision of
    the page decides (the fingerprint may lag after a crash): a block that differs from
    the one the bot saved is a human edit, reported with who made it (and replaced); one
    the bot saved but never fingerprinted is adopted.
    """
    title, name, text = facts.title, facts.name, facts.text
    if not needs_history(name, text, facts.known):
        return BlockCheck(title)
    if facts.history is None:
        raise ValueError(f'the bot\'s own revisions of {title} were not gathered')
    own = facts.history.own
    if own is None or own.text is None:
        return BlockCheck(title)  # the bot never saved this page: nothing of its own
    current = read_block(text, name)
    if read_block(own.text, name) == current:
        return BlockCheck(title, adopt=current)  # the bot's save, not yet fingerprinted
    markers = check_markers(text, name)
    restorable = current is not None or not markers.marked
    return BlockCheck(title, unauthorized_block(
        title, block_editors(name, own.text, facts.history.later), restorable))


def foreign_state(pages: Mapping[str, str], authors: Mapping[str, str], bot: str,
                  ) -> list[tuple[str, Problem]]:
    """``unauthorized-change`` for each of the bot's data pages (title -> data page name
    in ``pages``) whose latest revision (``authors``: title -> user) is not the bot's:
    (data page name, problem), by title."""
    found = []
    for title, user in sorted(authors.items()):
        name = pages.get(title)
        if name is not None and user != bot:
            found.append((name, unauthorized_state(title, user)))
    return found
