"""Bot blocks: the parts of a page the bot manages, between BEGIN/END markers.

A block holds what the bot wrote and nothing else: a human edit inside it is never
adopted. :func:`block_digest` fingerprints a block as the bot wrote it (kept in the
bot's own data page, see :mod:`leadership_bot.core.state`) and :func:`block_editors` names
who changed it since, from the page history. The rest of the page is the community's.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import unicodedata
from collections.abc import Callable, Sequence

from leadership_bot.core.model import TextRevision


class MarkerError(Exception):
    """The page's markers are broken; the bot must not guess where its block is."""


def markers(name: str) -> tuple[str, str]:
    """The BEGIN and END markers of the block ``name`` (e.g. ``directory``)."""
    return (f'<!-- BEGIN leadership-bot {name} -->', f'<!-- END leadership-bot {name} -->')


@dataclasses.dataclass(frozen=True)
class MarkerCheck:
    """What the markers of one block on a page say."""

    marked: bool  # at least one marker of the block is on the page
    fault: str | None = None  # why they are broken; ``None``: no marker, or one good pair

    @property
    def broken(self) -> bool:
        """A marker without its partner, a repeated marker or an END before its BEGIN."""
        return self.fault is not None


def check_markers(text: str | None, name: str) -> MarkerCheck:
    """The marker check, the one every task and every save goes by.

    Fine: no marker of the block at all (the block is appended on saving), or exactly
    one BEGIN followed by exactly one END. Anything else is broken, with the reason.
    """
    if text is None:
        return MarkerCheck(False)
    begin, end = markers(name)
    starts, ends = text.count(begin), text.count(end)
    if starts == 0 and ends == 0:
        return MarkerCheck(False)
    if starts != 1 or ends != 1:
        return MarkerCheck(True, f'the page has {starts} BEGIN and {ends} END markers for '
                                 f'the {name} block; exactly one of each is needed')
    if text.index(end) < text.index(begin):
        return MarkerCheck(True, f'the END marker of the {name} block comes before its '
                                 'BEGIN marker')
    return MarkerCheck(True)


def replace_block(text: str | None, name: str, body: str) -> str:
    """Put ``body`` between the markers, keeping every other byte of ``text``.

    A missing page becomes just the block; a page without markers gets the block
    appended at its end. Broken markers (:func:`check_markers`: a marker without its
    partner, a repeated marker or an END before its BEGIN) raise :class:`MarkerError`
    instead of being "repaired".
    """
    begin, end = markers(name)
    block = f'{begin}\n{body.strip(chr(10))}\n{end}'
    if text is None or not text.strip():
        return block + '\n'
    check = check_markers(text, name)
    if check.fault is not None:
        raise MarkerError(check.fault)
    if not check.marked:
        separator = '' if text.endswith('\n\n') else ('\n' if text.endswith('\n') else '\n\n')
        return text + separator + block + '\n'
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    return head + block + tail


def block_writer(name: str, body: str) -> Callable[[str | None], str]:
    """A function putting ``body`` into the block ``name`` of whatever text it is given."""
    return functools.partial(_replace, name=name, body=body)


def replacement(text: str) -> Callable[[str | None], str]:
    """A function replacing whatever text it is given by ``text`` (a whole generated page)."""
    return functools.partial(_constant, text)


def _constant(text: str, _old: str | None) -> str:
    return text


def _replace(text: str | None, *, name: str, body: str) -> str:
    return replace_block(text, name, body)


def read_block(text: str | None, name: str) -> str | None:
    """The current body of the block, or ``None`` when the page has none (or its markers
    are broken, :func:`check_markers`)."""
    check = check_markers(text, name)
    if text is None or not check.marked or check.broken:
        return None
    begin, end = markers(name)
    return text.partition(begin)[2].partition(end)[0].strip('\n')


def block_digest(body: str | None) -> str | None:
    """A short fingerprint of a block's body (``None``: the page has no readable block).

    MediaWiki stores saved text in Unicode NFC, so the body the bot rendered and the one
    read back from the page fingerprint the same.
    """
    if body is None:
        return None
    text = unicodedata.normalize('NFC', body.strip('\n'))
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


def block_editors(name: str, own: str | None, later: Sequence[TextRevision]) -> list[str]:
    """Who changed the block ``name`` in the revisions ``later`` (oldest first) that
    followed the bot's own revision, whose text is ``own``.

    An edit outside the block names nobody, nor does one that puts the bot's block
    back (a revert). A revision whose text is hidden (revision deletion) is named when
    the block changed across it; a hidden user name is ``''``.
    """
    editors: list[str] = []
    bots = last = read_block(own, name)
    hidden: list[str] = []
    for revision in later:
        if revision.text is None:
            hidden.append(revision.user)
            continue
        body = read_block(revision.text, name)
        if body not in (last, bots):
            for user in hidden or [revision.user]:
                if user not in editors:
                    editors.append(user)
        hidden, last = [], body
    return editors
