"""``report``: the report page, one row per problem, counts by status and region."""

from __future__ import annotations

from leadership_bot.core.blocks import read_region, region_writer
from leadership_bot.core.model import Problem, Snapshot
from leadership_bot.core.rendering import render_report
from leadership_bot.core.state import RegionGuard
from leadership_bot.wiki.site import Wiki, info

REGION = 'report'


def summary_for(old: str | None, new: str) -> str:
    """Edit summary counting problem rows added and removed."""
    before = _rows(read_region(old, REGION) or '')
    after = _rows(read_region(new, REGION) or '')
    return (f'leadership-bot: report, {len(after)} problems '
            f'(+{len(after - before)} −{len(before - after)})')


def _rows(body: str) -> set[str]:
    return {line for line in body.splitlines() if line.startswith('| [[')}


def prepare(wiki: Wiki, guard: RegionGuard) -> tuple[Problem, ...]:
    """A human edit inside the report page's region, as a problem to report."""
    title = wiki.settings.pages.report
    changed = guard.check(title, REGION, wiki.text(title))
    return (changed,) if changed else ()


def run(wiki: Wiki, snapshot: Snapshot, guard: RegionGuard) -> int:
    """Write the report region; returns the exit code."""
    body = render_report(snapshot, wiki.site.username() or 'the bot',
                         wiki.settings.pages.request_prefix, wiki.max_bytes)
    title = wiki.settings.pages.report
    wiki.save(title, region_writer(REGION, body), summary_for)
    if title in wiki.failed:
        return 1
    guard.wrote(title, body)
    info(f'report: {len(snapshot.problems)} problems in {snapshot.pages_read} request pages')
    return 0
