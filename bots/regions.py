"""Bot-managed regions of a page, between BEGIN/END markers; the rest is the community's."""

from __future__ import annotations

import functools
from collections.abc import Callable


class MarkerError(Exception):
    """The page's markers are broken; the bot must not guess where its region is."""


def markers(name: str) -> tuple[str, str]:
    """The BEGIN and END markers of the region ``name`` (e.g. ``directory``)."""
    return (f'<!-- BEGIN leadership-bot {name} -->', f'<!-- END leadership-bot {name} -->')


def replace_region(text: str | None, name: str, body: str) -> str:
    """Put ``body`` between the markers, keeping every other byte of ``text``.

    A missing page becomes just the region; a page without markers gets the region
    appended at its end. A marker without its partner, a repeated marker or an END
    before its BEGIN raises :class:`MarkerError` instead of being "repaired".
    """
    begin, end = markers(name)
    region = f'{begin}\n{body.strip(chr(10))}\n{end}'
    if text is None or not text.strip():
        return region + '\n'
    starts, ends = text.count(begin), text.count(end)
    if starts == 0 and ends == 0:
        separator = '' if text.endswith('\n\n') else ('\n' if text.endswith('\n') else '\n\n')
        return text + separator + region + '\n'
    if starts != 1 or ends != 1:
        raise MarkerError(f'the page has {starts} BEGIN and {ends} END markers for the '
                          f'{name} region; exactly one of each is needed')
    head, _, rest = text.partition(begin)
    if end not in rest:
        raise MarkerError(f'the END marker of the {name} region comes before its BEGIN marker')
    _, _, tail = rest.partition(end)
    return head + region + tail


def region_writer(name: str, body: str) -> Callable[[str | None], str]:
    """A function putting ``body`` into the region ``name`` of whatever text it is given."""
    return functools.partial(_replace, name=name, body=body)


def replacement(text: str) -> Callable[[str | None], str]:
    """A function replacing whatever text it is given by ``text`` (a whole generated page)."""
    return functools.partial(_constant, text)


def _constant(text: str, _old: str | None) -> str:
    return text


def _replace(text: str | None, *, name: str, body: str) -> str:
    return replace_region(text, name, body)


def read_region(text: str | None, name: str) -> str | None:
    """The current body of the region, or ``None`` when the page has none (or it is broken)."""
    if text is None:
        return None
    begin, end = markers(name)
    if text.count(begin) != 1 or text.count(end) != 1:
        return None
    _, _, rest = text.partition(begin)
    body, found, _ = rest.partition(end)
    return body.strip('\n') if found else None
