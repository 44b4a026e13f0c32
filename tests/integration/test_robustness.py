"""No single edit stops the bot, and its own pages never feed back into it (real wiki)."""

from __future__ import annotations

from pathlib import Path

from bots.localwiki import LocalWiki
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
