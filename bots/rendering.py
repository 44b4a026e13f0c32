"""Records -> wikitext. Pure; every value a volunteer typed goes through :func:`plain`."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from bots.model import STATUSES, Problem, Snapshot

# Characters with a meaning in wikitext or HTML. As numeric entities they render as
# themselves and the parser sees no markup: no template ({ }), link ([ ] and the ':'
# of free URLs), table cell (| !), tag or comment (< >), signature (~, expanded when
# saving), bold/italic ('), heading (=), list (* # ; :), magic word (__) or entity (&).
_ESCAPED = str.maketrans({c: f'&#{ord(c)};' for c in '|{}[]<>~\'=_&:!*#;"'})


def plain(value: object, limit: int = 200) -> str:
    """``value`` as inert wikitext: shown as typed, on one line, at most ``limit`` chars.

    Format characters (bidi controls, zero-width, soft hyphen) could reorder or hide
    text and are dropped; control characters become spaces. Characters newer than
    Python's Unicode data (recent emoji) are kept.
    """
    text = ''.join(' ' if category == 'Cc' else ch for ch in str(value)
                   if (category := unicodedata.category(ch)) != 'Cf')
    text = ' '.join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + '…'
    return text.translate(_ESCAPED)


def user_link(name: str) -> str:
    """A link to a user page showing the name; ``name`` is a real, normalized user name."""
    return f'[[User:{name}|{plain(name)}]]'


def page_link(title: str, prefix: str = '') -> str:
    """A link to a page by the title the API returned, shown without ``prefix``."""
    if prefix and title.startswith(prefix) and title != prefix:
        return f'[[:{title}|{plain(title[len(prefix):])}]]'
    return f'[[:{title}]]'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, sortable: bool = True) -> str:
    """A wikitable; cells must already be safe wikitext."""
    css = 'wikitable sortable' if sortable else 'wikitable'
    lines = [f'{{| class="{css}"', '! ' + ' !! '.join(headers)]
    for row in rows:
        lines.append('|-')
        lines.append('| ' + ' || '.join(row))
    lines.append('|}')
    return '\n'.join(lines)


def render_report(snapshot: Snapshot, bot_user: str, prefix: str = '') -> str:
    """The report page region: one row per problem, then counts by status and region.

    Request links show the title without the request ``prefix`` they all share.
    """
    problems = sorted(snapshot.problems, key=lambda p: (p.page, p.code, p.message))
    by_status = Counter(c.status for c in snapshot.requests)
    by_region = Counter(c.request.region for c in snapshot.requests)
    parts = [
        f'This section is written by {user_link(bot_user)}; edits inside it are replaced on '
        'the next run. Text above and below it is kept.',
        '',
        f"'''{snapshot.pages_read}''' request pages read, '''{len(snapshot.requests)}''' "
        f"valid requests, '''{len(problems)}''' problems.",
        '',
        '== Problems ==',
        table(('Request', 'Requester', 'Problem', 'Details'),
              (_problem_row(p, prefix) for p in problems)) if problems else 'No problems found.',
        '',
        '== Requests by status ==',
        table(('Status', 'Requests'),
              ((plain(s), str(by_status[s])) for s in STATUSES if by_status[s])),
        '',
        '== Requests by region ==',
        table(('Region', 'Requests'),
              ((plain(r), str(n)) for r, n in sorted(by_region.items()))),
    ]
    return '\n'.join(parts)


def _problem_row(problem: Problem, prefix: str) -> tuple[str, str, str, str]:
    return (page_link(problem.page, prefix), user_link(problem.user) if problem.user else '',
            plain(problem.code), plain(problem.message, limit=400))
