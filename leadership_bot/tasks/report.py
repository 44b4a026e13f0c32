"""``report``: the report page, one row per problem, counts by status and region."""

from __future__ import annotations

from leadership_bot.core.blocks import block_writer, read_block
from leadership_bot.core.model import Problem, Snapshot
from leadership_bot.core.rendering import render_report
from leadership_bot.core.state import BlockGuard
from leadership_bot.wiki.site import Wiki, info

BLOCK = 'report'


def summary_for(old: str | None, new: str) -> str:
    """Edit summary counting problem rows added and removed."""
    before = _rows(read_block(old, BLOCK) or '')
    after = _rows(read_block(new, BLOCK) or '')
    return (f'leadership-bot: report, {len(after)} problems '
            f'(+{len(after - before)} −{len(before - after)})')


def _rows(body: str) -> set[str]:
    return {line for line in body.splitlines() if line.startswith('| [[')}


def prepare(wiki: Wiki, guard: BlockGuard) -> tuple[Problem, ...]:
    """A human edit inside the report page's block, as a problem to report."""
    title = wiki.settings.pages.report
    changed = guard.check(title, BLOCK, wiki.text(title))
    return (changed,) if changed else ()


def run(wiki: Wiki, snapshot: Snapshot, guard: BlockGuard) -> int:
    """Write the report block; returns the exit code."""
    body = render_report(snapshot, wiki.site.username() or 'the bot',
                         wiki.settings.pages.request_prefix, wiki.max_bytes)
    title = wiki.settings.pages.report
    wiki.save(title, block_writer(BLOCK, body), summary_for)
    if title in wiki.failed:
        return 1
    guard.wrote(title, body)
    info(f'report: {len(snapshot.problems)} problems in {snapshot.pages_read} request pages')
    return 0
