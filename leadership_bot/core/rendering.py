"""Records -> wikitext. Pure; every value a volunteer typed goes through :func:`plain`."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from leadership_bot.core.blocks import read_block
from leadership_bot.core.model import STATUSES, Problem, Snapshot
from leadership_bot.core.normalize import normalize_username

REPORT_BLOCK = 'report'  # the report page's bot block

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
    """A link to a user page showing the name.

    A name that is not one MediaWiki could store, or that holds what saving a page
    expands (``~~~``, a signature), is shown as text only: report rows quote names as
    the page wrote them.
    """
    if normalize_username(name) != name or '~~~' in name:
        return plain(name)
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


def report_summary(old: str | None, new: str) -> str:
    """The report page's edit summary, counting problem rows added and removed."""
    before = _report_rows(read_block(old, REPORT_BLOCK) or '')
    after = _report_rows(read_block(new, REPORT_BLOCK) or '')
    return (f'leadership-bot: report, {len(after)} problems '
            f'(+{len(after - before)} −{len(before - after)})')


def _report_rows(body: str) -> set[str]:
    return {line for line in body.splitlines() if line.startswith('| [[')}


ROWS_PER_PAGE = 10  # problem rows shown for one request page; a count says the rest
REPORT_SHARE = 0.8  # of the wiki's page size limit the report block may fill


def render_report(snapshot: Snapshot, bot_user: str, prefix: str = '',
                  max_bytes: int = 2048 * 1024) -> str:
    """The report page block: one row per problem, then counts by status and region.

    Request links show the title without the request ``prefix`` they all share. Bounded
    by construction: at most :data:`ROWS_PER_PAGE` rows per request page (one more row
    counts the rest), and rows stop where the block would pass :data:`REPORT_SHARE` of
    ``max_bytes``, the wiki's page size limit (a line counts what is left out).
    """
    problems = sorted(snapshot.problems, key=lambda p: (p.page, p.code, p.message))
    by_status = Counter(c.status for c in snapshot.requests)
    by_region = Counter(c.request.region for c in snapshot.requests)
    rows, hidden = _bounded_rows(problems, prefix, int(max_bytes * REPORT_SHARE))
    parts = [
        f'This section is written by {user_link(bot_user)}; edits inside it are replaced on '
        'the next run. Text above and below it is kept.',
        '',
        f"'''{snapshot.pages_read}''' request pages read, '''{len(snapshot.requests)}''' "
        f"valid requests, '''{len(problems)}''' problems.",
        '',
        '== Problems ==',
        table(('Request', 'Requester', 'Problem', 'Details'), rows) if rows
        else 'No problems found.',
    ]
    if hidden:
        parts.append(f"''{hidden} more problems are not shown: the page would pass the "
                     "wiki's size limit. Fix the ones above first.''")
    parts += [
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


def _bounded_rows(problems: Sequence[Problem], prefix: str, budget: int,
                  ) -> tuple[list[tuple[str, ...]], int]:
    """The rows to show (capped per page, all within ``budget`` bytes) and how many
    problems are left out for the size limit."""
    rows: list[tuple[str, ...]] = []
    used = 0
    total = Counter(p.page for p in problems)
    shown: Counter[str] = Counter()
    for index, problem in enumerate(problems):
        shown[problem.page] += 1
        if shown[problem.page] > ROWS_PER_PAGE + 1:
            continue
        if shown[problem.page] == ROWS_PER_PAGE + 1:
            rest = total[problem.page] - ROWS_PER_PAGE
            row: tuple[str, ...] = (page_link(problem.page, prefix), '', '', plain(
                f'… and {rest} more problems on this page, not shown.'))
        else:
            row = _problem_row(problem, prefix)
        size = len(' || '.join(row).encode('utf-8')) + 8
        if used + size > budget:
            return rows, len(problems) - index
        rows.append(row)
        used += size
    return rows, 0


def _problem_row(problem: Problem, prefix: str) -> tuple[str, str, str, str]:
    return (page_link(problem.page, prefix), user_link(problem.user) if problem.user else '',
            plain(problem.code), plain(problem.message, limit=400))
