"""No single edit stops the bot, and its own pages never feed back into it (real wiki)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bots.localwiki import ADMIN, LocalWiki
from bots.wikiuser import WikiSession

from .botrun import run_bot, write_config
from .conftest import Seeded
from .test_report import login, request_text


def last_revids(session: WikiSession, titles: list[str]) -> dict[str, int]:
    pages = session.api(action='query', prop='info', titles=titles)['query']['pages']
    return {p['title']: p.get('lastrevid', 0) for p in pages}


def test_the_bots_own_pages_under_the_request_prefix_are_no_requests(
        tmp_path: Path, local_wiki: LocalWiki, pywikibot_dir: Path, admin_session: WikiSession,
        seeded: Seeded):
    pages = {'request_prefix': 'Churn/', 'report': 'Churn/Report', 'run': 'Churn/Run',
             'directory': 'Churn/Directory', 'directory_json': 'Churn/Directory.json',
             'mentorship': 'Churn/Matches', 'reviewers': 'Churn/Reviewers'}
    admin_session.edit('Churn/Reviewers', '* [[User:Reviewer]]')
    admin_session.edit('Churn/Run', 'yes')
    login(local_wiki, 'Ngozi Okafor').edit('Churn/Request', request_text(
        'Ngozi Okafor', directory='yes', languages='en'))
    config = write_config(tmp_path / 'churn.yaml', {'site': 'local:local', 'pages': pages})
    first = run_bot(pywikibot_dir, 'all', f'-config:{config}')
    assert first.code == 0, first.stderr
    titles = [pages[k] for k in ('report', 'directory', 'directory_json', 'mentorship')]
    saved = last_revids(admin_session, titles)
    assert all(saved.values()), saved
    for extra in ((), ('-nocache',)):
        again = run_bot(pywikibot_dir, 'all', f'-config:{config}', *extra)
        assert again.code == 0, again.stderr
        assert last_revids(admin_session, titles) == saved, again.stderr
    report = admin_session.text('Churn/Report') or ''
    assert 'Churn/Report' not in report.split('== Problems ==')[1]
    assert "'''1''' request pages read" in report


def test_only_the_bot_account_runs_the_bot(tmp_path: Path, pywikibot_dir: Path,
                                          admin_session: WikiSession, seeded: Seeded):
    """-user:Admin would edit without the bot flag and read another account's ledger."""
    folder = tmp_path / 'pwb'
    shutil.copytree(pywikibot_dir, folder, ignore=shutil.ignore_patterns('leadership-bot', 'logs'))
    with (folder / 'user-password.py').open('a', encoding='utf-8') as passwords:
        passwords.write(f"\n('{ADMIN.name}', '{ADMIN.password}')\n")
    config = write_config(tmp_path / 'admin.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': 'As admin/', 'report': 'As admin report', 'run': 'As admin run'}})
    result = run_bot(folder, 'report', f'-config:{config}', '-user:Admin')
    assert result.code == 2 and 'not a bot account' in result.stderr, result.stderr
    assert 'Traceback' not in result.stderr
    result = run_bot(folder, 'report', f'-config:{config}', '-user:Reviewer')
    assert result.code == 2 and 'no password for Reviewer' in result.stderr, result.stderr
    assert admin_session.text('As admin report') is None
