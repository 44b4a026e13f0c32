"""No single edit stops the bot, and its own pages never feed back into it (real wiki)."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devwiki.localwiki import ADMIN, REVIEWER, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiSession

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
    first = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert first.code == 0, first.stderr
    titles = [pages[k] for k in ('report', 'directory', 'directory_json', 'mentorship')]
    saved = last_revids(admin_session, titles)
    assert all(saved.values()), saved
    for extra in ((), ('-nocache',)):
        again = run_bot(pywikibot_dir, 'all', f'-settings:{config}', *extra)
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
    result = run_bot(folder, 'report', f'-settings:{config}', '-user:Admin')
    assert result.code == 2 and 'not a bot account' in result.stderr, result.stderr
    assert 'Traceback' not in result.stderr
    result = run_bot(folder, 'report', f'-settings:{config}', '-user:Reviewer')
    assert result.code == 2 and 'no password for Reviewer' in result.stderr, result.stderr
    assert admin_session.text('As admin report') is None


def hostile_config(tmp_path: Path, name: str, **extra: str) -> tuple[Path, dict[str, str]]:
    pages = {'request_prefix': f'{name}/', 'report': f'{name} report', 'run': f'{name} run',
             'directory': f'{name} directory', 'directory_json': f'{name} directory.json',
             'mentorship': f'{name} matches', **extra}
    return write_config(tmp_path / f'{name}.yaml', {'site': 'local:local', 'pages': pages,
                                                     'notify': {'since': '2025-01-01'}}), pages


def test_a_huge_template_and_a_huge_value_stop_nothing(tmp_path, local_wiki, pywikibot_dir,
                                                      admin_session, seeded: Seeded):
    """15,000 parameters on one page and a 1 MB skills value: every page is still saved,
    each within the wiki's size limit, with the long parts cut or counted."""
    config, pages = hostile_config(tmp_path, 'Hostile')
    owner, other = login(local_wiki, 'Ngozi Okafor'), login(local_wiki, 'Kofi mensah')
    params = ''.join(f'|q{i}=' for i in range(15000))
    owner.edit('Hostile/Big', '{{Leadership request|user=Ngozi Okafor|type=attend|program=P'
                              f'|region=ssa{params}}}}}')
    other.edit('Hostile/Long', request_text('Kofi mensah', directory='yes', languages='en',
                                            skills='Many skills. ' * 80_000))
    owner.edit('Hostile/Normal', request_text('Ngozi Okafor', directory='yes', languages='en'))
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}', timeout=600)
    assert result.code == 0, result.stderr
    report = admin_session.text(pages['report']) or ''
    assert '14990 more problems on this page, not shown' in report
    assert len(report.encode()) < 2048 * 1024 // 2
    copy = json.loads(admin_session.text(pages['directory_json']) or '{}')
    skills = {o['user']: o['skills'] for o in copy['organizers']}
    assert len(skills['Kofi mensah']) <= 500 and skills['Kofi mensah'].endswith('…')
    directory = admin_session.text(pages['directory']) or ''
    assert 'Kofi mensah' in directory and 'Ngozi Okafor' in directory


def test_a_broken_or_redirected_page_is_reported_and_the_others_are_saved(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    owner = login(local_wiki, 'Ngozi Okafor')
    # The report has a second END marker: the report is not saved, the directory is.
    config, pages = hostile_config(tmp_path, 'Broken')
    owner.edit('Broken/Request', request_text('Ngozi Okafor', directory='yes', languages='en'))
    end = '<!-- END leadership-bot report -->'
    admin_session.edit(pages['report'], f'<!-- BEGIN leadership-bot report -->\nold\n{end}\n{end}')
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert result.code == 1
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('leadership-bot: not saved: Broken report (') and 'Broken directory' \
        not in last, last
    assert 'Ngozi Okafor' in (admin_session.text(pages['directory']) or '')
    # The report page is a redirect and the opt-out page too: the report is not saved
    # through the redirect, no notice goes out, the directory is saved.
    config, pages = hostile_config(tmp_path, 'Redirected', optout='Redirected opt-out')
    owner.edit('Redirected/Request', request_text('Ngozi Okafor', directory='yes',
                                                  languages='en'))
    admin_session.edit(pages['report'], '#REDIRECT [[Redirected elsewhere]]')
    admin_session.edit('Redirected opt-out', '#REDIRECT [[Redirected elsewhere]]')
    talk = last_revids(admin_session, ['User talk:Ngozi Okafor'])
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert result.code == 1
    assert 'Redirected report (the page is a redirect' in result.stderr
    assert admin_session.text(pages['report']) == '#REDIRECT [[Redirected elsewhere]]'
    assert 'Ngozi Okafor' in (admin_session.text(pages['directory']) or '')
    assert last_revids(admin_session, ['User talk:Ngozi Okafor']) == talk


def test_a_blocked_directory_keeps_the_mentorship_pairs(tmp_path, local_wiki, pywikibot_dir,
                                                       admin_session, seeded: Seeded):
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    config, pages = hostile_config(tmp_path, 'Blocked')
    for name, mentor in (('Blocked mentor', True), ('Blocked mentee', False)):
        admin_session.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
        params = {'user': name, 'type': 'network' if mentor else 'mentorship',
                  'program': 'Mentoring', 'region': 'lac', 'languages': 'pt',
                  'directory': 'yes' if mentor else 'no', 'mentor': 'yes' if mentor else 'no'}
        login(local_wiki, name).edit(f'Blocked/{name}', render_request(params))
        reviewer.edit(f'Blocked/{name}', render_request({**params, 'status': 'approved'}))
    assert run_bot(pywikibot_dir, 'all', f'-settings:{config}').code == 0
    matches = admin_session.text(pages['mentorship']) or ''
    assert 'Blocked mentee' in matches and 'Blocked mentor' in matches
    directory = admin_session.text(pages['directory']) or ''
    admin_session.edit(pages['directory'],
                       directory.replace('<!-- END leadership-bot directory -->', ''))
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert result.code == 1
    assert admin_session.text(pages['mentorship']) == matches  # the pair stays, unchanged
    talk = admin_session.text('User talk:Blocked mentee') or ''
    assert talk.count('leadership-bot notice matched:') == 1


def test_runs_that_overlap_share_the_cache_and_never_destroy_it(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    """Three report runs at the same moment on one pywikibot folder (one cache file):
    all finish, nothing is moved aside or deleted, and a later run finds nothing to do."""
    config, pages = hostile_config(tmp_path, 'Overlap')
    owner = login(local_wiki, 'Ngozi Okafor')
    for i in range(20):
        owner.edit(f'Overlap/Request {i}', request_text('Ngozi Okafor'))
    folder = Path(pywikibot_dir) / 'leadership-bot'
    moved_before = set(folder.glob('*.damaged-*'))  # other tests damage the cache on purpose
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: run_bot(pywikibot_dir, 'report', f'-settings:{config}'),
                                range(3)))
    assert [r.code for r in results] == [0, 0, 0], [r.stderr[-500:] for r in results]
    cache = next(folder.glob('*.sqlite3'))
    assert cache.exists() and set(folder.glob('*.damaged-*')) == moved_before
    assert "'''20''' request pages read" in (admin_session.text(pages['report']) or '')
    saved = last_revids(admin_session, [pages['report']])
    # The next run edits nothing; an overlapping run may have stored a signature from
    # before another's save, so it may read everything once; the run after it is a no-op.
    again = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert again.code == 0 and last_revids(admin_session, [pages['report']]) == saved
    again = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert again.code == 0 and 'nothing changed' in again.stderr, again.stderr
