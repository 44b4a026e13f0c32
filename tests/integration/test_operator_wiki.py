"""A new operator's own wiki: set up by hand, not by our seeding, with their own files.

A second, freshly installed MediaWiki; a user-config.py registering it under another
family name with the bot account's main password; a config written from the README's
key list with other page titles, template names as one writes them in ``{{…}}`` (no
namespace) and no request prefix (every page transcluding the template).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devwiki.localwiki import ADMIN, BOT, Account, LocalWiki
from devwiki.seeding import render_request
from devwiki.wikiuser import WikiSession

from .botrun import report_rows, run_bot, write_config

README = Path(__file__).parents[2] / 'README.md'

SPEC_CONFIG: dict[str, Any] = {
    'site': 'opwiki:opwiki',
    'pages': {
        # As in {{leadership request}}: the Template namespace, first letter any case.
        'request_template': 'leadership request',
        'request_prefix': '',
        'directory': 'Project:Organizers',
        'directory_json': 'Project:Organizers.json',
        'report': 'Project:Leadership bot report',
        'reviewers': 'Project:Leadership reviewers',
        'optout': 'Project:No notices',
        'run': 'Project:Leadership bot run',
        'notice_template': 'Leadership_recognition',
        'mentorship': 'Project:Mentorship',
    },
    'network': {'mentor_capacity': 2},
    'notify': {'events': ['approved', 'listed'], 'milestones': [1, 3],
               'max_per_run': 10, 'since': '2026-01-01',
               'optout_category': 'Category:No bots please'},
    'directory': {'max_rows_per_page': 100, 'max_removed_share': 0.3},
    'vocabulary': {'types': ['attend', 'organize', 'mentorship', 'network', 'other'],
                   'regions': ['africa', 'asia', 'europe', 'north-america', 'oceania'],
                   'areas': ['glam', 'education', 'other']},
}


def readme_keys() -> set[str]:
    """The dotted keys of the README's config reference table."""
    text = README.read_text(encoding='utf-8')
    table = text.split('### Config reference', 1)[1].split('\n\n', 2)[2].split('\n\n')[0]
    keys: set[str] = set()
    for row in table.splitlines()[2:]:
        names = re.findall(r'`([^`]+)`', row.split('|')[1])
        section = names[0].rpartition('.')[0]
        keys.update(name if '.' in name or not section else f'{section}.{name}'
                    for name in names)
    return keys


def config_keys(data: dict[str, Any], prefix: str = '') -> set[str]:
    keys: set[str] = set()
    for key, value in data.items():
        if isinstance(value, dict):
            keys |= config_keys(value, f'{prefix}{key}.')
        else:
            keys.add(prefix + key)
    return keys


def last_revisions(session: WikiSession) -> dict[str, int]:
    """The latest revision id of every page on the wiki, by title."""
    namespaces = session.api(action='query', meta='siteinfo',
                             siprop='namespaces')['query']['namespaces']
    revisions: dict[str, int] = {}
    for ns in (int(key) for key in namespaces if int(key) >= 0):
        params: dict[str, Any] = {'action': 'query', 'generator': 'allpages',
                                  'gapnamespace': ns, 'gaplimit': 'max', 'prop': 'info'}
        while True:
            result = session.api(**params)
            for page in result.get('query', {}).get('pages', []):
                revisions[page['title']] = page['lastrevid']
            if 'continue' not in result:
                break
            params.update(result['continue'])
    return revisions


@pytest.fixture(scope='module')
def operator_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWiki]:
    """A second wiki, set up as any MediaWiki would be, not by our seeding."""
    with LocalWiki(tmp_path_factory.mktemp('opwiki')).running() as wiki:
        yield wiki


@pytest.fixture(scope='module')
def operator_dir(operator_wiki: LocalWiki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's pywikibot folder: their own family name, the bot's main password."""
    folder = tmp_path_factory.mktemp('operator')
    (folder / 'user-config.py').write_text(
        f"family_files['opwiki'] = '{operator_wiki.api_url}'\n"
        "family = 'opwiki'\nmylang = 'opwiki'\n"
        f"usernames['opwiki']['opwiki'] = '{BOT.name}'\n"
        "password_file = 'user-password.py'\nminthrottle = 0\nput_throttle = 0\n")
    secret = folder / 'user-password.py'
    secret.write_text(f"('{BOT.name}', '{BOT.password}')\n")
    secret.chmod(0o600)
    return folder


def test_the_config_names_every_key_of_the_readme():
    """The operator's config is written from the README's key list, all of it."""
    assert config_keys(SPEC_CONFIG) == readme_keys()


def test_new_operator_wiki_end_to_end(operator_wiki, operator_dir, tmp_path):
    config = write_config(tmp_path / 'operator.yaml', SPEC_CONFIG)
    result = run_bot(operator_dir, 'install-templates', f'-settings:{config}')
    assert result.code == 0, result.stderr
    operator_wiki.run_jobs()
    admin = WikiSession(operator_wiki.api_url, ADMIN).login()
    # The names without namespace went to the Template namespace, not the main one.
    for name in ('Leadership request', 'Leadership request/preload', 'Leadership recognition'):
        assert admin.text(f'Template:{name}'), name
        assert admin.text(name) is None, name
    assert admin.text('Category:Leadership requests in north-america')
    again = run_bot(operator_dir, 'install-templates', f'-settings:{config}')
    assert again.code == 0, again.stderr
    assert ' 0 of ' in again.stdout + again.stderr
    # Set-up, as the README says: an admin protects the notice text and its translations.
    for lang in ('', '/es', '/fr'):
        admin.protect(f'Template:Leadership recognition{lang}', reason='notice text')

    admin.create_account('Asha', 'asha-password-1', exist_ok=True)
    asha = WikiSession(operator_wiki.api_url, Account('Asha', 'asha-password-1')).login()
    # Anywhere on the wiki: no prefix is configured.
    asha.edit('User:Asha/My request', render_request(
        {'user': 'asha', 'type': 'attend', 'program': 'Camp', 'region': 'Africa',
         'directory': 'yes'}))
    asha.edit('Project:Other request', render_request(
        {'user': 'Asha', 'type': 'attend', 'program': 'Camp', 'region': 'mena'}))

    result = run_bot(operator_dir, 'all', f'-settings:{config}', '-simulate')
    assert result.code == 0, result.stderr
    assert admin.text('Project:Leadership bot report') is None  # -simulate wrote nothing

    result = run_bot(operator_dir, 'all', f'-settings:{config}')
    assert result.code == 0, result.stderr
    report = admin.text('Project:Leadership bot report') or ''
    project = admin.api(action='query', meta='siteinfo')['query']['general']['sitename']
    assert sorted(report_rows(report)) == [
        (f'{project}:Other request', 'invalid-value'),  # mena is not in this wiki's regions
        ('Project:Leadership reviewers', 'reviewers-unprotected'),  # the page is missing
    ], report
    assert '| africa || 1' in report

    # The second run, with the run cache and without it, edits nothing anywhere.
    before = last_revisions(admin)
    for extra in ((), ('-nocache',)):
        result = run_bot(operator_dir, 'all', f'-settings:{config}', *extra)
        assert result.code == 0, result.stderr
        assert last_revisions(admin) == before, extra


def test_region_categories_exist_on_the_operator_wiki(operator_wiki, operator_dir, tmp_path):
    """A region code with a hyphen, typed with a space, files the page in its category."""
    config = write_config(tmp_path / 'operator.yaml', SPEC_CONFIG)
    assert run_bot(operator_dir, 'install-templates', f'-settings:{config}').code == 0
    admin = WikiSession(operator_wiki.api_url, ADMIN).login()
    parse = admin.parse(title='Project:Category test', text=render_request(
        {'user': 'Asha', 'type': 'attend', 'program': 'Camp', 'region': 'North America'}),
        props=('categories',))
    categories = {c['category'].replace('_', ' '): c for c in parse['categories']}
    assert 'Leadership requests in north-america' in categories, categories
    assert not [name for name, c in categories.items() if c.get('missing')], categories


@pytest.mark.parametrize(('value', 'problem'), [
    ('User:LeadershipBot/Request', "'User:LeadershipBot/Request' is not in the Template "
                                   'namespace'),
    (':Leadership request', "':Leadership request' is in the main namespace"),
])
@pytest.mark.parametrize('key', ['request_template', 'notice_template'])
def test_a_template_key_outside_the_template_namespace_exits_2(tmp_path, key, value, problem):
    """The config error names the file, the key and the problem, before any wiki access."""
    config = write_config(tmp_path / 'bad.yaml', {'site': 'opwiki:opwiki',
                                                  'pages': {key: value}})
    result = run_bot(tmp_path, 'install-templates', f'-settings:{config}')
    assert result.code == 2, result.stderr
    assert f'{config}: pages.{key}: {problem}' in result.stderr
    assert 'Traceback' not in result.stderr
