"""A new operator's own wiki: set up by hand, not by our seeding, with their own files.

A second, freshly installed MediaWiki; a user-config.py registering it under another
family name with a main-account password; a config written from the spec's key list
with other page titles and no request prefix (every page transcluding the template).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.localwiki import ADMIN, Account, LocalWiki
from bots.seeding import render_request
from bots.wikiuser import WikiSession

from .botrun import report_rows, run_bot, write_config

SPEC_CONFIG = {
    'site': 'opwiki:opwiki',
    'pages': {
        'request_template': 'Template:Leadership request',
        'request_prefix': '',
        'directory': 'Project:Organizers',
        'directory_json': 'Project:Organizers.json',
        'report': 'Project:Leadership bot report',
        'reviewers': 'Project:Leadership reviewers',
        'optout': 'Project:No notices',
        'run': 'Project:Leadership bot run',
        'notice_template': 'Template:Leadership recognition',
        'mentorship': 'Project:Mentorship',
    },
    'network': {'mentor_capacity': 2},
    'notify': {'events': ['approved', 'listed'], 'milestones': [1, 3],
               'max_per_run': 10, 'since': '2026-01-01',
               'optout_category': 'Category:No bots please'},
    'directory': {'max_rows_per_page': 100, 'max_removed_share': 0.3},
    'vocabulary': {'types': ['attend', 'organize', 'mentorship', 'network', 'other'],
                   'regions': ['africa', 'asia', 'europe', 'americas', 'oceania'],
                   'areas': ['glam', 'education', 'other']},
}


@pytest.fixture(scope='module')
def operator_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWiki]:
    """A second wiki, set up as any MediaWiki would be, not by our seeding."""
    with LocalWiki(tmp_path_factory.mktemp('opwiki')).running() as wiki:
        yield wiki


@pytest.fixture(scope='module')
def operator_dir(operator_wiki: LocalWiki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's pywikibot folder: their own family name, a main-account login."""
    folder = tmp_path_factory.mktemp('operator')
    (folder / 'user-config.py').write_text(
        f"family_files['opwiki'] = '{operator_wiki.api_url}'\n"
        "family = 'opwiki'\nmylang = 'opwiki'\n"
        f"usernames['opwiki']['opwiki'] = '{ADMIN.name}'\n"
        "password_file = 'user-password.py'\nminthrottle = 0\nput_throttle = 0\n")
    secret = folder / 'user-password.py'
    secret.write_text(f"('{ADMIN.name}', '{ADMIN.password}')\n")
    secret.chmod(0o600)
    return folder


def test_new_operator_wiki_end_to_end(operator_wiki, operator_dir, tmp_path):
    config = write_config(tmp_path / 'operator.yaml', SPEC_CONFIG)
    result = run_bot(operator_dir, 'install-templates', f'-config:{config}')
    assert result.code == 0, result.stderr
    operator_wiki.run_jobs()

    admin = WikiSession(operator_wiki.api_url, ADMIN).login()
    admin.create_account('Asha', 'asha-password-1', exist_ok=True)
    asha = WikiSession(operator_wiki.api_url, Account('Asha', 'asha-password-1')).login()
    # Anywhere on the wiki: no prefix is configured.
    asha.edit('User:Asha/My request', render_request(
        {'user': 'asha', 'type': 'attend', 'program': 'Camp', 'region': 'Africa',
         'directory': 'yes'}))
    asha.edit('Project:Other request', render_request(
        {'user': 'Asha', 'type': 'attend', 'program': 'Camp', 'region': 'mena'}))

    result = run_bot(operator_dir, 'all', f'-config:{config}', '-simulate')
    assert result.code == 0, result.stderr
    assert admin.text('Project:Leadership bot report') is None  # -simulate wrote nothing

    result = run_bot(operator_dir, 'all', f'-config:{config}')
    assert result.code == 0, result.stderr
    report = admin.text('Project:Leadership bot report') or ''
    project = admin.api(action='query', meta='siteinfo')['query']['general']['sitename']
    assert sorted(report_rows(report)) == [
        (f'{project}:Other request', 'invalid-value'),  # mena is not in this wiki's regions
        ('Project:Leadership reviewers', 'reviewers-unprotected'),  # the page is missing
    ]
    assert '| africa || 1' in report
