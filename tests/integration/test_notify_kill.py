"""Exactly once under SIGKILL: a notify run killed at random moments while it posts.

Slow (not in CI): ``scripts/test --slow`` runs it. After every kill the next run must
learn from the wiki what was already posted (its local run cache is only a cache),
including an edit the server saved while the killed client was still waiting for the
answer.
"""

from __future__ import annotations

import dataclasses
import random
import time

import pytest

from devwiki.localwiki import LocalWiki
from devwiki.wikiuser import WikiSession

from .botrun import run_bot
from .conftest import Seeded
from .test_notify import (
    POSTED_LINE,
    drain,
    file_request,
    ledger,
    markers_on_wiki,
    notify_config,
    start_notify,
    wait_for_first_post,
)

NOTICES = 45  # due notices, one per fresh user
KILLS = 10  # kills that must land while the bot posts
SEED = 20261126
MAX_DELAY = 0.6  # seconds after the first post of a run before the kill


@dataclasses.dataclass
class KillStats:
    """What the kills hit."""

    attempts: int = 0
    mid_posting: int = 0  # killed while alive with notices still to post
    finished_first: int = 0  # the run ended before the kill
    unacknowledged: int = 0  # edits saved on the wiki whose "added section" never printed


def posted(session: WikiSession, ids: set[str]) -> int:
    """How many of ``ids`` the bot's contributions carry."""
    summaries = ledger(session)
    return sum(1 for i in ids if summaries[i])


@pytest.mark.slow
def test_sigkill_while_posting_never_duplicates_a_notice(tmp_path, local_wiki: LocalWiki,
                                                         pywikibot_dir, admin_session,
                                                         seeded: Seeded):
    config = notify_config(tmp_path, 'kill', max_per_run=1000)
    ids = set()
    for n in range(NOTICES):
        pageid = file_request(local_wiki, admin_session, f'Test notify kill/{n}',
                              f'Notify Kill {n:02d}')
        ids.add(f'approved:{pageid}')
    rng = random.Random(SEED)
    stats = KillStats()
    while stats.mid_posting < KILLS and posted(admin_session, ids) < len(ids):
        before = posted(admin_session, ids)
        process, lines = start_notify(config, pywikibot_dir)
        output = wait_for_first_post(lines)
        time.sleep(rng.uniform(0, MAX_DELAY))
        alive = process.poll() is None
        process.kill()  # SIGKILL, this process only
        process.wait(timeout=30)
        output += drain(lines)
        stats.attempts += 1
        after = posted(admin_session, ids)
        acknowledged = sum(POSTED_LINE in line for line in output)
        stats.unacknowledged += max(after - before - acknowledged, 0)
        if alive and after < len(ids):
            stats.mid_posting += 1
        elif not alive:
            stats.finished_first += 1
        # Never a duplicate, at any point.
        assert max(ledger(admin_session).values(), default=0) <= 1, ''.join(output)
        assert max(markers_on_wiki(admin_session).values(), default=0) <= 1, ''.join(output)
    print(f'\nkills: {stats}, posted before the clean run: {posted(admin_session, ids)}'
          f'/{len(ids)}')
    assert stats.mid_posting >= KILLS, stats

    result = run_bot(pywikibot_dir, 'notify', f'-settings:{config}')
    assert result.code == 0, result.stdout + result.stderr
    markers, summaries = markers_on_wiki(admin_session), ledger(admin_session)
    assert {i: markers[i] for i in ids} == dict.fromkeys(ids, 1)
    assert {i: summaries[i] for i in ids} == dict.fromkeys(ids, 1)
    # A run reading everything from the wiki (no run cache) finds nothing left to post.
    result = run_bot(pywikibot_dir, 'notify', f'-settings:{config}', '-nocache')
    assert 'notify: 0 notices posted, 0 skipped, 0 waiting' in result.stdout + result.stderr
