"""The bot's own state on the real local wiki: nothing it acts on is read from its regions.

A logged-out user edits the matches page or the directory, an admin edits the bot's data
page: the bot keeps its pairs and its listing, reports who changed what, and writes its
regions again; the text around them stays the community's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devwiki.localwiki import BOT, REVIEWER, Account, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiApiError, WikiSession
from leadership_bot.core.blocks import markers, read_block
from leadership_bot.core.directory import listed_rows
from leadership_bot.core.matching import read_pairs

from .botrun import report_rows, run_bot, write_config
from .conftest import Seeded

ANONYMOUS = '127.0.0.1'  # the local wiki records logged-out edits by the loopback address


def volunteer(wiki: LocalWiki, admin: WikiSession, name: str) -> WikiSession:
    admin.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
    return WikiSession(wiki.api_url, Account(name, VOLUNTEER_PASSWORD)).login()


def file_request(wiki: LocalWiki, admin: WikiSession, prefix: str, name: str,
                 languages: str, areas: str = '', *, mentor: bool = False,
                 mentee: bool = False) -> None:
    """A request the requester saved themself; a mentee's is approved by the reviewer."""
    params = {'user': name, 'type': 'mentorship' if mentee else 'network',
              'program': 'Find a mentor' if mentee else 'Partnerships network',
              'region': 'lac', 'languages': languages, 'areas': areas,
              'directory': 'no' if mentee else 'yes', 'mentor': 'yes' if mentor else 'no'}
    title = f'{prefix}{name}'
    volunteer(wiki, admin, name).edit(title, render_request(params))
    if mentee:
        WikiSession(wiki.api_url, REVIEWER).login().edit(
            title, render_request({**params, 'status': 'approved'}))


def config(tmp_path: Path, name: str, prefix: str) -> Path:
    return write_config(tmp_path / f'{name}.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': prefix, 'report': f'Test {name} report', 'run': 'Test state run',
        'directory': f'Test {name} directory', 'mentorship': f'Test {name} pairs'},
        'network': {'mentor_capacity': 1}, 'notify': {'since': '2025-01-01'}})


def own_page(name: str) -> str:
    return f'User:{BOT.name}/leadership-{name}.json'


def state(admin: WikiSession, name: str) -> Any:
    return json.loads(admin.text(own_page(name)) or 'null')


def latest(admin: WikiSession, title: str) -> dict[str, Any]:
    page = admin.api(action='query', titles=title, prop='revisions',
                     rvprop='ids|user|comment')['query']['pages'][0]
    return dict(page['revisions'][0])


def pairs_on(admin: WikiSession, title: str) -> set[tuple[str, str]]:
    return {(p.mentee, p.mentor) for p in read_pairs(read_block(admin.text(title), 'matches'))}


def notices(admin: WikiSession, user: str, event: str) -> int:
    return (admin.text(f'User talk:{user}') or '').count(f'leadership-bot notice {event}:')


def report_users(text: str, page: str, code: str) -> list[str]:
    """The user cell of the report rows about ``page`` with ``code``."""
    row = re.compile(r'^\| \[\[:' + re.escape(page) + r'(?:\|[^\]]*)?\]\] \|\| (.*?) \|\| '
                     + re.escape(code) + r' \|\| ')
    return [m.group(1) for m in map(row.match, text.splitlines()) if m]


def run_ok(pywikibot_dir: Path, *args: str) -> None:
    result = run_bot(pywikibot_dir, *args)
    assert result.code == 0, result.stderr


# -- (a) the matches page --------------------------------------------------------------------


def test_logged_out_edit_of_the_matches_page_is_reported_and_written_over(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    prefix = 'Test state/'
    for name, languages, areas in (('State Mentor Ana', 'es', 'glam'),
                                   ('State Mentor Cy', 'en, es', '')):
        file_request(local_wiki, admin_session, prefix, name, languages, areas, mentor=True)
    for name, languages, areas in (('State Mentee Dee', 'es', 'glam'),
                                   ('State Mentee Eve', 'en', ''),
                                   ('State Mentee Gus', 'fi', '')):
        file_request(local_wiki, admin_session, prefix, name, languages, areas, mentee=True)
    cfg = f'-settings:{config(tmp_path, "state", prefix)}'
    title, report = 'Test state pairs', 'Test state report'
    admin_session.edit(title, 'Community intro.\n')
    run_ok(pywikibot_dir, 'all', cfg)
    made = {('State Mentee Dee', 'State Mentor Ana'), ('State Mentee Eve', 'State Mentor Cy')}
    assert pairs_on(admin_session, title) == made
    stored = state(admin_session, f'pairs/{title}')
    assert {(p['mentee'], p['mentor']) for p in stored['pairs']} == made
    before = admin_session.text(title) or ''
    told = {user: notices(admin_session, user, 'matched') for user in
            ('State Mentee Dee', 'State Mentor Ana', 'State Mentor Cy', 'State Mentee Gus')}
    assert told == {'State Mentee Dee': 1, 'State Mentor Ana': 1, 'State Mentor Cy': 1,
                    'State Mentee Gus': 0}

    # A logged-out user gives Dee another mentor and adds a pair nobody made.
    dee = '| [[User:State Mentee Dee|State Mentee Dee]] || '
    ana = '[[User:State Mentor Ana|State Mentor Ana]]'
    cy = '[[User:State Mentor Cy|State Mentor Cy]]'
    assert dee + ana in before
    fake = (f'|-\n| [[User:State Mentee Gus|State Mentee Gus]] || {ana} || suomi ||  || '
            '2026-01-05\n|}')
    vandalised = before.replace(dee + ana, dee + cy).replace('|}', fake, 1)
    anonymous = WikiSession(local_wiki.api_url)
    anonymous.edit(title, vandalised + '\nCommunity outro.', summary='better pairs')
    assert pairs_on(admin_session, title) == {
        ('State Mentee Dee', 'State Mentor Cy'), ('State Mentee Eve', 'State Mentor Cy'),
        ('State Mentee Gus', 'State Mentor Ana')}

    # notify alone does not write the matches page: notices go by the bot's pairs.
    run_ok(pywikibot_dir, 'notify', cfg)
    assert {u: notices(admin_session, u, 'matched') for u in told} == told
    assert report_users(admin_session.text(report) or '', title, 'unauthorized-change') == [
        f'[[User:{ANONYMOUS}|{ANONYMOUS}]]']

    # all writes the block again, from the bot's pairs; the human text stays.
    run_ok(pywikibot_dir, 'all', cfg)
    text = admin_session.text(title) or ''
    assert text == before.rstrip() + '\nCommunity outro.'
    assert pairs_on(admin_session, title) == made
    assert state(admin_session, f'pairs/{title}') == stored
    assert {u: notices(admin_session, u, 'matched') for u in told} == told
    assert (title, 'unauthorized-change') in report_rows(admin_session.text(report) or '')
    assert latest(admin_session, title)['user'] == BOT.name
    assert '+0 −0 pairs' in latest(admin_session, title)['comment']

    # Restored: the next full run has nothing to report and nothing to save.
    revid = latest(admin_session, title)['revid']
    run_ok(pywikibot_dir, 'all', cfg, '-nocache')
    assert latest(admin_session, title)['revid'] == revid
    assert (title, 'unauthorized-change') not in report_rows(admin_session.text(report) or '')


# -- (b) the directory -----------------------------------------------------------------------


def test_logged_out_edit_of_the_directory_lists_nobody_and_cannot_fool_the_wipe_guard(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    prefix = 'Test state dir/'
    first = ['State Org Ama', 'State Org Ben', 'State Org Cai', 'State Org Dov']
    for name in first:
        file_request(local_wiki, admin_session, prefix, name, 'en')
    cfg = f'-settings:{config(tmp_path, "statedir", prefix)}'
    title, report = 'Test statedir directory', 'Test statedir report'
    begin, end = markers('directory')
    admin_session.edit(title, "Community intro with ''markup''.")
    run_ok(pywikibot_dir, 'all', cfg)
    listed = set(listed_rows(read_block(admin_session.text(title), 'directory')))
    assert listed == set(first)
    assert set(state(admin_session, f'directory/{title}')['listed']) == set(first)
    assert all(notices(admin_session, user, 'listed') == 1 for user in first)
    before = admin_session.text(title) or ''

    # Eve asks to be listed; before the bot lists her, a logged-out user deletes half the
    # rows, adds a row for Eve and thirty for people who never asked.
    file_request(local_wiki, admin_session, prefix, 'State Org Eve', 'en')
    fakes = [f'| [[User:{n}|{n}]] ([[User talk:{n}|talk]]) || lac || English ||  ||  ||  || 0 || '
             f'0 || x' for n in ['State Org Eve'] + [f'State Ghost {i}' for i in range(30)]]
    lines = [line for line in before.split('\n')
             if not line.startswith(('| [[User:State Org Ama|', '| [[User:State Org Ben|'))]
    last = max(i for i, line in enumerate(lines) if line == '|}')
    lines[last:last] = [part for fake in fakes for part in ('|-', fake)]
    vandalised = '\n'.join(lines)
    WikiSession(local_wiki.api_url).edit(title, vandalised, summary='tidy up')
    on_page = set(listed_rows(read_block(admin_session.text(title), 'directory')))
    assert {'State Org Eve', 'State Ghost 7'} <= on_page and 'State Org Ama' not in on_page

    # notify alone: Eve is on the page, not in the bot's listing, so she is not "listed".
    run_ok(pywikibot_dir, 'notify', cfg)
    assert notices(admin_session, 'State Org Eve', 'listed') == 0
    assert report_users(admin_session.text(report) or '', title, 'unauthorized-change') == [
        f'[[User:{ANONYMOUS}|{ANONYMOUS}]]']

    # all: 31 "removed" rows on the page are not removals (no wipe guard), Ama and Ben were
    # never unlisted; the block is written again and Eve is listed by the bot itself.
    run_ok(pywikibot_dir, 'all', cfg)
    text = admin_session.text(title) or ''
    assert text.startswith("Community intro with ''markup''.\n\n" + begin)
    assert text.endswith(end)
    assert set(listed_rows(read_block(text, 'directory'))) == {*first, 'State Org Eve'}
    assert 'State Ghost' not in text
    rows = report_rows(admin_session.text(report) or '')
    assert (title, 'unauthorized-change') in rows and (title, 'directory-not-saved') not in rows
    assert latest(admin_session, title)['comment'].endswith('directory +1 −0 ~0 organizers')
    assert set(state(admin_session, f'directory/{title}')['listed']) == {*first, 'State Org Eve'}
    assert notices(admin_session, 'State Org Eve', 'listed') == 1
    assert all(notices(admin_session, user, 'listed') == 1 for user in first)


# -- (c) the bot's data page -----------------------------------------------------------------


def test_no_one_but_the_bot_and_admins_can_edit_its_data_page(tmp_path, local_wiki,
                                                              pywikibot_dir, admin_session,
                                                              seeded: Seeded):
    title = 'Test refusal pairs'
    run_ok(pywikibot_dir, 'match', f'-settings:{config(tmp_path, "refusal", "Test refusal/")}')
    page = own_page(f'pairs/{title}')
    before = admin_session.text(page)
    assert json.loads(before or '') == {'schema': 1, 'page': title, 'pairs': []}
    forged = json.dumps({'schema': 1, 'page': title, 'pairs': [
        {'mentee': 'State Json Volunteer', 'mentor': 'Reviewer', 'since': '2026-01-02'}]})
    for session in (volunteer(local_wiki, admin_session, 'State Json Volunteer'),
                    WikiSession(local_wiki.api_url)):
        with pytest.raises(WikiApiError) as refused:
            session.edit(page, forged)
        # "You do not have permission to edit this JSON page because it contains another
        # user's personal settings."
        assert refused.value.code == 'customjsonprotected', refused.value
    assert admin_session.text(page) == before


def test_an_admin_edit_of_the_bots_pairs_is_ignored_reported_and_undone(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    prefix = 'Test state json/'
    file_request(local_wiki, admin_session, prefix, 'State Json Mentor A', 'en', 'glam',
                 mentor=True)
    file_request(local_wiki, admin_session, prefix, 'State Json Mentor B', 'en', mentor=True)
    file_request(local_wiki, admin_session, prefix, 'State Json Mentee', 'en', 'glam',
                 mentee=True)
    cfg = f'-settings:{config(tmp_path, "statejson", prefix)}'
    title, report = 'Test statejson pairs', 'Test statejson report'
    run_ok(pywikibot_dir, 'all', cfg)
    made = {('State Json Mentee', 'State Json Mentor A')}
    assert pairs_on(admin_session, title) == made
    page = own_page(f'pairs/{title}')
    stored = state(admin_session, f'pairs/{title}')

    # MediaWiki 1.39 gives admins (sysop) edituserjson: an admin can save the page ...
    rights = admin_session.api(action='query', meta='userinfo',
                               uiprop='rights')['query']['userinfo']['rights']
    assert 'edituserjson' in rights
    forged = {'schema': 1, 'page': title, 'pairs': [
        {'mentee': 'State Json Mentee', 'mentor': 'State Json Mentor B', 'since': '2026-01-02'}]}
    admin_session.edit(page, json.dumps(forged), summary='reassign')
    assert latest(admin_session, page)['user'] == 'Admin'

    # ... but the bot reads only its own revisions: the forged pair is neither kept nor told.
    # (-nocache: the run cache sees no change in the watched pages; the next run that
    # reads the wiki reports and undoes it.)
    run_ok(pywikibot_dir, 'all', cfg, '-nocache')
    assert pairs_on(admin_session, title) == made
    assert notices(admin_session, 'State Json Mentor B', 'matched') == 0
    assert notices(admin_session, 'State Json Mentee', 'matched') == 1
    assert report_users(admin_session.text(report) or '', page, 'unauthorized-change') == [
        '[[User:Admin|Admin]]']
    # The bot saves its own data there again.
    assert latest(admin_session, page)['user'] == BOT.name
    assert state(admin_session, f'pairs/{title}') == stored
