"""``report``: the report page, one row per problem, counts by status and region.

:func:`prepare` gathers the facts of the report page's own block check and plans it
(:func:`~leadership_bot.core.plans.plan_report`); :func:`run` renders and saves the page.
"""

from __future__ import annotations

from leadership_bot.core.blocks import block_writer
from leadership_bot.core.model import Problem, Snapshot
from leadership_bot.core.plans import ReportPlan, plan_report
from leadership_bot.core.rendering import REPORT_BLOCK, render_report, report_summary
from leadership_bot.core.state import BlockFacts
from leadership_bot.wiki.guard import BlockGuard
from leadership_bot.wiki.site import Wiki, info

BLOCK = REPORT_BLOCK
summary_for = report_summary  # the edit summary (old name)


def gather(wiki: Wiki, guard: BlockGuard) -> BlockFacts:
    """The report page as it is, with what its block check needs."""
    title = wiki.settings.pages.report
    return guard.facts(title, BLOCK, wiki.text(title))


def plan(wiki: Wiki, guard: BlockGuard) -> ReportPlan:
    """Gather, plan, and record the bot's own blocks the check adopted."""
    planned = plan_report(gather(wiki, guard))
    guard.adopt(planned.adopted)
    return planned


def prepare(wiki: Wiki, guard: BlockGuard) -> tuple[Problem, ...]:
    """A human edit inside the report page's block, as a problem to report."""
    return plan(wiki, guard).problems


def run(wiki: Wiki, snapshot: Snapshot, guard: BlockGuard) -> int:
    """Write the report block; returns the exit code."""
    body = render_report(snapshot, wiki.site.username() or 'the bot',
                         wiki.settings.pages.request_prefix, wiki.max_bytes)
    title = wiki.settings.pages.report
    wiki.save(title, block_writer(BLOCK, body), report_summary)
    if title in wiki.failed:
        return 1
    guard.wrote(title, body)
    info(f'report: {len(snapshot.problems)} problems in {snapshot.pages_read} request pages')
    return 0
