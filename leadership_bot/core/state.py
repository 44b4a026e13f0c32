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
    block as the bot last wrote it (:class:`BlockGuard`).

State keyed by a page title keeps configs that write different pages apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from leadership_bot.core.blocks import block_digest, block_editors, markers, read_block
from leadership_bot.core.matching import Pair
from leadership_bot.core.model import Problem, ProblemCode, TextRevision

if TYPE_CHECKING:
    from leadership_bot.wiki.site import Wiki

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


class BlockGuard:
    """What the bot last wrote in each of its blocks, and who changed it since.

    A block's fingerprint is kept in ``leadership-regions.json``; when the page's block
    no longer matches it, the bot's own latest revision of the page decides (the
    fingerprint may lag after a crash): a block that differs from the one the bot saved
    is a human edit, reported as ``unauthorized-change`` with who made it, and replaced.
    """

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.digests: dict[str, str] = _digests(wiki.read_own(BLOCKS_PAGE))
        self.touched: set[str] = set()
        self.foreign: set[str] = set()  # data pages someone else edited last
        self._history: dict[str, tuple[TextRevision | None, list[TextRevision]]] = {}

    def check(self, title: str, name: str, text: str | None) -> Problem | None:
        """``unauthorized-change`` when the block ``name`` of ``text`` is not the bot's."""
        current = read_block(text, name)
        marked = text is not None and any(m in text for m in markers(name))
        known = self.digests.get(title)
        if known is None and not marked:
            return None  # no block the bot wrote, none on the page
        if known is not None and block_digest(current) == known:
            return None
        own, later = self.history(title)
        if own is None or own.text is None:
            return None  # the bot never saved this page: nothing of its own to compare
        if read_block(own.text, name) == current:
            self._record(title, current)  # the bot's save, not yet fingerprinted
            return None
        restorable = current is not None or not marked
        return unauthorized_block(title, block_editors(name, own.text, later), restorable)

    def own_block(self, title: str, name: str) -> str | None:
        """The block ``name`` as the bot's own latest revision of ``title`` has it."""
        own, _ = self.history(title)
        return read_block(own.text, name) if own else None

    def history(self, title: str) -> tuple[TextRevision | None, list[TextRevision]]:
        """The bot's latest revision of ``title`` and the ones after it (read once)."""
        if title not in self._history:
            self._history[title] = self.wiki.own_revision(title)
        return self._history[title]

    def wrote(self, title: str, body: str) -> None:
        """The bot's block on ``title`` is now ``body`` (saved, or already there)."""
        self._record(title, body)

    def _record(self, title: str, body: str | None) -> None:
        digest = block_digest(body)
        if digest is not None and self.digests.get(title) != digest:
            self.digests[title] = digest
            self.touched.add(title)

    def check_state(self, names: Iterable[str]) -> list[Problem]:
        """``unauthorized-change`` for each of the bot's data pages last edited by another
        user; they are written again (:meth:`restore`)."""
        titles = {self.wiki.own_page(n): n for n in (*names, BLOCKS_PAGE)}
        bot = self.wiki.site.username()
        problems = []
        for title, user in sorted(self.wiki.latest_authors(titles).items()):
            name = titles.get(title)
            if name is not None and user != bot:
                self.foreign.add(name)
                problems.append(unauthorized_state(title, user))
        return problems

    def restore(self, name: str) -> bool:
        """Whether the data page ``name`` must be saved although its data did not change."""
        return name in self.foreign

    def save(self) -> None:
        """Save the fingerprints of the blocks written in this run.

        Read again first: a run with another config may have saved its own meanwhile.
        """
        if not self.touched and not self.restore(BLOCKS_PAGE):
            return
        merged = _digests(self.wiki.read_own(BLOCKS_PAGE))
        merged.update({t: self.digests[t] for t in self.touched})
        self.wiki.save_own(BLOCKS_PAGE, {'schema': SCHEMA, 'regions': dict(sorted(merged.items()))},
                           f'leadership-bot: fingerprints of {len(self.touched)} blocks it wrote')
        self.touched.clear()


def _digests(data: Any) -> dict[str, str]:
    if not isinstance(data, dict) or data.get('schema') != SCHEMA:
        return {}
    regions = data.get('regions')
    if not isinstance(regions, dict):
        return {}
    return {str(t): str(d) for t, d in regions.items()}
