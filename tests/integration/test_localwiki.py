"""The local-wiki harness itself: the wiki the other integration tests rely on."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from devwiki.localwiki import BOT, REVIEWER, Account, LocalWiki
from devwiki.wikiuser import WikiApiError, WikiSession


def php_processes_serving(port: int) -> list[int]:
    """Pids of ``php -S 127.0.0.1:PORT`` processes, workers included (same command line)."""
    needle = f'127.0.0.1:{port}'.encode()
    pids = []
    for cmdline in Path('/proc').glob('[0-9]*/cmdline'):
        try:
            args = cmdline.read_bytes().split(b'\0')
        except OSError:
            continue
        if args and b'php' in args[0] and needle in args:
            pids.append(int(cmdline.parent.name))
    return pids


def accepts_connections(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(('127.0.0.1', port)) == 0


def test_api_is_mediawiki_1_39_with_our_extensions(admin_session: WikiSession) -> None:
    query = admin_session.api(action='query', meta='siteinfo',
                              siprop=['general', 'extensions'])['query']
    assert query['general']['generator'].startswith('MediaWiki 1.39')
    names = {extension['name'] for extension in query['extensions']}
    assert {'ParserFunctions', 'TemplateData', 'InputBox', 'Scribunto', 'VisualEditor'} <= names


def test_parser_functions_and_inputbox_render(admin_session: WikiSession) -> None:
    parsed = admin_session.parse(
        text='{{#if: x | yes | no }} {{#expr: 2 * 3 }}\n'
             '<inputbox>\ntype=create\npreload=Template:Example\n</inputbox>')
    assert '<p>yes 6' in parsed['text']
    assert 'name="preload"' in parsed['text']


def test_lua_modules_run_on_luasandbox(admin_session: WikiSession) -> None:
    admin_session.edit('Module:Harness check', 'local p = {}\n'
                       'function p.upper(frame) return mw.ustring.upper(frame.args[1]) end\n'
                       'return p')
    parsed = admin_session.api(action='parse', text='{{#invoke:Harness check|upper|été}}',
                               contentmodel='wikitext', prop='text|limitreportdata')['parse']
    assert '<p>ÉTÉ\n</p>' in parsed['text']
    # Only the luasandbox engine (what Wikimedia runs) reports its memory use.
    assert 'scribunto-limitreport-memusage' in {row['name'] for row in parsed['limitreportdata']}


def test_visualeditor_parses_pages(admin_session: WikiSession) -> None:
    answer = admin_session.api(action='visualeditor', paction='parse', page='Main Page')
    assert answer['visualeditor']['result'] == 'success'
    assert '<body' in answer['visualeditor']['content']  # Parsoid's HTML of the page


def test_bot_account_is_a_bot_without_rate_limits(admin_session: WikiSession) -> None:
    user = admin_session.api(action='query', list='users', ususers=BOT.name,
                             usprop=['groups', 'rights'])['query']['users'][0]
    assert 'bot' in user['groups']
    assert {'noratelimit', 'apihighlimits', 'bot'} <= set(user['rights'])


def test_reviewer_is_a_plain_user_and_protection_applies(
        admin_session: WikiSession, reviewer_session: WikiSession) -> None:
    user = admin_session.api(action='query', list='users', ususers=REVIEWER.name,
                             usprop='groups')['query']['users'][0]
    assert set(user['groups']) == {'*', 'user', 'autoconfirmed'}
    admin_session.edit('Localwiki protected', 'Admins only.')
    admin_session.protect('Localwiki protected')  # also makes a null revision
    with pytest.raises(WikiApiError) as error:
        reviewer_session.edit('Localwiki protected', 'Changed.')
    assert error.value.code == 'protectedpage'
    revid = admin_session.edit('Localwiki protected', 'Admins only, really.')
    assert admin_session.edit('Localwiki protected', 'Admins only, really.') == revid


def test_accounts_can_be_created_and_log_in(local_wiki: LocalWiki) -> None:
    anonymous = WikiSession(local_wiki.api_url)
    anonymous.create_account('Localwiki Volunteer', 'volunteer-pass')
    anonymous.create_account('Localwiki Volunteer', 'volunteer-pass', exist_ok=True)
    assert anonymous.user is None
    with pytest.raises(WikiApiError):
        anonymous.create_account('Localwiki Volunteer', 'volunteer-pass')
    session = WikiSession(local_wiki.api_url, Account('Localwiki Volunteer', 'volunteer-pass'))
    assert session.login().user == 'Localwiki Volunteer'
    assert session.edit('Localwiki volunteer page', 'Hello.') > 0
    assert session.text('Localwiki volunteer page') == 'Hello.'
    assert session.text('Localwiki no such page') is None


def test_run_jobs_updates_categories_of_transcluding_pages(
        local_wiki: LocalWiki, admin_session: WikiSession) -> None:
    admin_session.edit('Template:Localwiki cat', '[[Category:Localwiki before]]')
    admin_session.edit('Localwiki transcluder', '{{Localwiki cat}}')
    admin_session.edit('Template:Localwiki cat', '[[Category:Localwiki after]]')

    def members(category: str) -> list[str]:
        result = admin_session.api(action='query', list='categorymembers',
                                   cmtitle=f'Category:{category}')
        return [page['title'] for page in result['query']['categorymembers']]

    # Jobs do not run from API requests here: the link tables lag until runJobs.php.
    assert 'Localwiki transcluder' in members('Localwiki before')
    local_wiki.run_jobs()
    assert 'Localwiki transcluder' in members('Localwiki after')
    assert members('Localwiki before') == []


def test_pywikibot_logs_in_as_the_bot_and_saves(
        pywikibot_dir: Path, admin_session: WikiSession, tmp_path: Path) -> None:
    # pywikibot reads its config at import time: only a fresh process sees PYWIKIBOT_DIR.
    script = (
        'import pywikibot\n'
        'site = pywikibot.Site()\n'
        'site.login()\n'
        "page = pywikibot.Page(site, 'Localwiki pywikibot page')\n"
        "page.text = 'Saved by pywikibot.'\n"
        "page.save(summary='harness test', bot=True, asynchronous=False)\n"
        'print(site.sitename, site.user(), page.latest_revision_id)\n')
    result = subprocess.run(
        [sys.executable, '-c', script], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, check=False, env=dict(os.environ, PYWIKIBOT_DIR=str(pywikibot_dir)))
    assert result.returncode == 0, result.stderr
    sitename, user, revid = result.stdout.split()
    assert (sitename, user) == ('local:local', BOT.name)
    revision = admin_session.api(action='query', revids=revid, prop='revisions',
                                 rvprop=['user', 'content'], rvslots='main')
    page = revision['query']['pages'][0]
    assert page['title'] == 'Localwiki pywikibot page'
    assert page['revisions'][0]['user'] == BOT.name
    assert page['revisions'][0]['slots']['main']['content'] == 'Saved by pywikibot.'
    assert (pywikibot_dir / 'user-password.py').stat().st_mode & 0o777 == 0o600


def test_stop_ends_every_worker_and_a_restart_keeps_the_data(tmp_path: Path) -> None:
    wiki = LocalWiki(tmp_path / 'wiki')
    try:
        wiki.start()
        port = wiki.port
        assert wiki.is_running()
        WikiSession(wiki.api_url, REVIEWER).login().edit('Localwiki kept', 'Still here.')
        assert len(php_processes_serving(port)) > 1  # the parent and its forked workers

        wiki.stop()
        assert not wiki.is_running()
        assert php_processes_serving(port) == []
        assert not accepts_connections(port)

        restarted = LocalWiki(tmp_path / 'wiki')  # a new process would know only the folder
        restarted.start()
        assert restarted.port == port
        assert WikiSession(restarted.api_url).text('Localwiki kept') == 'Still here.'
    finally:
        wiki.stop()
    assert php_processes_serving(port) == []


def test_command_line_start_status_stop(tmp_path: Path) -> None:
    folder = tmp_path / 'cli-wiki'

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, '-m', 'devwiki.localwiki', *args, '--dir', str(folder)],
            capture_output=True, text=True, timeout=120, check=False)

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    try:
        assert cli('status').returncode == 1
        started = cli('start', '--port', str(port))
        assert started.returncode == 0, started.stderr
        assert f'http://127.0.0.1:{port}/' in started.stdout
        assert str(folder / 'pywikibot') in started.stdout
        assert cli('status').returncode == 0
        assert cli('stop').returncode == 0
        assert cli('status').returncode == 1
        assert php_processes_serving(port) == []
        assert cli('reset').returncode == 0
        assert not folder.exists()
    finally:
        LocalWiki(folder).stop()
