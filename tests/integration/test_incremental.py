"""Incremental runs on the real local wiki: cheap when nothing changed, safe without cache."""

from __future__ import annotations

import shutil
from pathlib import Path

from devwiki.localwiki import LocalWiki

from .botrun import run_bot, write_config
from .conftest import Seeded
from .test_report import api_requests, login, request_text

NOOP_BUDGET = 10  # API requests a run may make when nothing changed, start-up included


def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / 'inc.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': 'Test incremental/', 'report': 'Test incremental report',
        'directory': 'Test incremental directory', 'mentorship': 'Test incremental pairs',
        'run': 'Test incremental run'}, 'notify': {'since': '2025-01-01'}})


def generated(admin) -> dict[str, str | None]:
    return {t: admin.text(t) for t in ('Test incremental report',
                                       'Test incremental directory', 'Test incremental pairs')}


def test_noop_changed_pages_and_lost_cache(tmp_path, local_wiki: LocalWiki, pywikibot_dir,
                                           admin_session, seeded: Seeded):
    owner = login(local_wiki, 'Ngozi Okafor')
    for i in range(30):
        owner.edit(f'Test incremental/Request {i}',
                   request_text('Ngozi Okafor', region='nwe' if i % 2 else 'ssa'))
    cfg = config(tmp_path)
    assert run_bot(pywikibot_dir, 'all', f'-settings:{cfg}').code == 0
    first = generated(admin_session)

    before = api_requests(local_wiki)
    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert 'nothing changed' in result.stderr + result.stdout
    assert api_requests(local_wiki) - before <= NOOP_BUDGET
    assert generated(admin_session) == first

    # Two changed pages: read again (a problem appears), the rest comes from the cache.
    owner.edit('Test incremental/Request 3', request_text('Ngozi Okafor', region='nowhere'))
    owner.edit('Test incremental/Request 30', request_text('Ngozi Okafor', start='2026-13-01'))
    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    report = admin_session.text('Test incremental report') or ''
    assert 'Request 3|' in report and 'Request 30|' in report
    after_change = generated(admin_session)

    # A corrupt cache, and then a lost one: a full read, the same result, no edit.
    cache = next(Path(pywikibot_dir).glob('leadership-bot/*.sqlite3'))
    cache.write_bytes(b'garbage' * 1000)
    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert 'nothing changed' not in result.stderr + result.stdout
    assert generated(admin_session) == after_change
    fresh = tmp_path / 'fresh-dir'
    shutil.copytree(pywikibot_dir, fresh, ignore=shutil.ignore_patterns('leadership-bot'))
    result = run_bot(fresh, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert generated(admin_session) == after_change


def test_a_change_to_the_reviewers_page_counts(tmp_path, local_wiki, pywikibot_dir,
                                               admin_session, seeded: Seeded):
    """Protecting the reviewers page makes the names on it count: the next run sees it."""
    cfg = write_config(tmp_path / 'rev.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': 'Test inc reviewers/', 'report': 'Test inc reviewers report',
        'reviewers': 'Test inc reviewers list', 'run': 'Test inc reviewers run'}})
    owner = login(local_wiki, 'Ngozi Okafor')
    other = login(local_wiki, 'Mallory Vance')
    admin_session.edit('Test inc reviewers list', '* [[User:Reviewer]]')
    other.edit('Test inc reviewers list', '* [[User:Reviewer]]\n* [[User:Mallory Vance]]')
    owner.edit('Test inc reviewers/One', request_text('Ngozi Okafor'))
    other.edit('Test inc reviewers/One', request_text('Ngozi Okafor', status='approved'))
    assert run_bot(pywikibot_dir, 'report', f'-settings:{cfg}').code == 0
    assert 'unauthorized-status' in (admin_session.text('Test inc reviewers report') or '')
    admin_session.protect('Test inc reviewers list')
    assert run_bot(pywikibot_dir, 'report', f'-settings:{cfg}').code == 0
    assert 'unauthorized-status' not in (admin_session.text('Test inc reviewers report') or '')
