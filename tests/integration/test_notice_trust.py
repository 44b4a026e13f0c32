"""Notices as an attacker would try them, on the real local wiki.

A logged-out user writes the translation a notice would be substituted from, turns a
talk page into a redirect, a registered one moves someone's talk page onto their own;
a user is renamed, deletes their talk page, has a name of 160 characters. Each case ends in
no notice, or the right one once, and a report row naming the page and who did it.
"""

from __future__ import annotations

import html
import json
import shutil

import pytest
import yaml

from devwiki.localwiki import BOT, Account, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiApiError, WikiSession
from leadership_bot.core.notices import ledger_ids

from .botrun import run_bot, write_config
from .conftest import Seeded
from .test_notify import (
    assert_none,
    assert_once,
    file_request,
    ledger,
    markers_by_page,
    markers_on_wiki,
    notify_config,
    ok,
    request_text,
    reviewer,
    section_of,
    skipped_rows,
    summary_of,
    user_id,
    volunteer,
)
from .test_report import login

ANON = '127.0.0.1'  # how MediaWiki names the logged-out users of these tests
LEDGER_PAGE = f'User:{BOT.name}/leadership-notices.json'


def problem_rows(report: str | None, code: str) -> dict[str, list[str]]:
    """Page -> messages of the report rows with ``code`` (unescaped)."""
    rows: dict[str, list[str]] = {}
    for line in (report or '').splitlines():
        if f'|| {code} ||' in line:
            page = line.split('[[:', 1)[1].split('|', 1)[0].split(']]', 1)[0]
            rows.setdefault(page, []).append(html.unescape(line.rsplit(f'|| {code} ||', 1)[1]
                                                           .strip()))
    return rows


def approved(wiki: LocalWiki, admin: WikiSession, title: str, user: str, **extra: str) -> str:
    """The user files a request, the reviewer approves it: the ``approved`` notice's id."""
    return f'approved:{file_request(wiki, admin, title, user, **extra)}'


def delete(admin: WikiSession, title: str) -> None:
    """Delete a page if it exists (an admin's clean-up)."""
    try:
        admin.post_with_token(action='delete', title=title, reason='test clean-up')
    except WikiApiError as error:
        if error.code != 'missingtitle':
            raise


def rename(wiki: LocalWiki, admin: WikiSession, old: str, new: str) -> None:
    """Rename an account as a bureaucrat does on Special:RenameUser: the account, then
    its talk page moved along (Renameuser moves pages as the renamer, leaving a
    redirect; its maintenance script renames the account only)."""
    wiki.rename_user(old, new)
    admin.post_with_token(action='move', **{'from': f'User talk:{old}'}, to=f'User talk:{new}',
                          reason=f'Automatically moved page while renaming the user "{old}" '
                                 f'to "{new}"')


# -- the notice text has provenance ----------------------------------------------------------

TRANSLATION = 'Template:Leadership recognition/de'
FOOTER = 'Template:Test notice trust footer'
FAKE_LOGIN = ("<includeonly>Hallo {{{user|}}}, Ihr Konto läuft heute ab: "
              "[http://login.example.invalid/meta bitte hier neu anmelden].</includeonly>")
GERMAN = ("<includeonly>Hallo {{{user|}}}, Ihre Anfrage für '''{{{program|}}}''' wurde "
          "genehmigt. {{ {{{|safesubst:}}}Test notice trust footer}}</includeonly>")


def test_a_translation_by_a_logged_out_user_holds_the_notice_until_an_admin_vouches(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    config = notify_config(tmp_path, 'trust template')
    report = 'Test notify trust template report'
    anon = WikiSession(local_wiki.api_url)
    german, english = 'Trust Template De', 'Trust Template En'
    try:
        anon.edit(TRANSLATION, FAKE_LOGIN, 'Übersetzung')
        de = approved(local_wiki, admin_session, 'Test notify trust template/De', german,
                      lang='de')
        en = approved(local_wiki, admin_session, 'Test notify trust template/En', english)

        output = ok(run_bot(pywikibot_dir, 'notify', f'-settings:{config}'))
        assert '1 notices posted, 0 skipped, 0 waiting' in output
        assert '1 held (untrusted notice template)' in output
        assert_none(admin_session, {de})
        assert_once(admin_session, {en})  # the English template: the bot published it
        rows = problem_rows(admin_session.text(report), 'notice-template-untrusted')
        assert list(rows) == [TRANSLATION]
        assert f'its latest revision is by {ANON}' in rows[TRANSLATION][0]
        assert '1 notice waits' in rows[TRANSLATION][0]

        # An admin rewrites the translation; it now uses a footer a logged-out user wrote
        # (inside <includeonly>: the template page's own link table does not show it).
        admin_session.edit(TRANSLATION, GERMAN, 'checked translation')
        anon.edit(FOOTER, 'Viel Erfolg!')
        output = ok(run_bot(pywikibot_dir, 'notify', f'-settings:{config}', '-nocache'))
        assert '0 notices posted' in output and '1 held' in output
        assert_none(admin_session, {de})
        rows = problem_rows(admin_session.text(report), 'notice-template-untrusted')
        assert list(rows) == [FOOTER] and ANON in rows[FOOTER][0]

        # The admin protects the footer: only admins can change it now. The notice goes
        # out, once, with the text the admin vouched for.
        admin_session.protect(FOOTER, edit='sysop')
        output = ok(run_bot(pywikibot_dir, 'notify', f'-settings:{config}', '-nocache'))
        assert '1 notices posted' in output and '0 held' in output
        assert_once(admin_session, {de, en})
        _, body = section_of(admin_session.text(f'User talk:{german}') or '', de)
        assert body.startswith(f"Hallo {german}, Ihre Anfrage für '''Test program''' wurde "
                               'genehmigt. Viel Erfolg!')
        assert 'example.invalid' not in body and '{{' not in body
        assert problem_rows(admin_session.text(report), 'notice-template-untrusted') == {}
    finally:  # the translation and footer are the whole wiki's: other tests expect none
        delete(admin_session, TRANSLATION)
        delete(admin_session, FOOTER)


# -- talk-page redirects count only where a rename (or the user) made them --------------------


def test_a_redirect_made_by_someone_else_diverts_no_notice(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    config = notify_config(tmp_path, 'trust redirect')
    victim, moved = 'Trust Redirect Victim', 'Trust Redirect Moved'
    other, vandal = 'Trust Redirect Other', 'Trust Redirect Vandal'
    ids = {user: approved(local_wiki, admin_session, f'Test notify trust redirect/{user}', user)
           for user in (victim, moved)}
    volunteer(local_wiki, admin_session, other).edit(f'User talk:{other}', 'My talk page.')
    # A logged-out user turns the victim's talk page into a redirect to another user's.
    WikiSession(local_wiki.api_url).edit(f'User talk:{victim}',
                                         f'#REDIRECT [[User talk:{other}]]')
    # A registered user moves someone's talk page onto their own talk page.
    login(local_wiki, moved).edit(f'User talk:{moved}', 'Hello, this is my talk page.')
    volunteer(local_wiki, admin_session, vandal).post_with_token(
        action='move', **{'from': f'User talk:{moved}'}, to=f'User talk:{vandal}',
        reason='tidying up')
    watched = [f'User talk:{u}' for u in (victim, moved, other, vandal)]
    before = {t: admin_session.text(t) for t in watched}

    ok(run_bot(pywikibot_dir, 'notify', f'-settings:{config}'))
    assert_none(admin_session, set(ids.values()))
    assert {t: admin_session.text(t) for t in watched} == before
    assert skipped_rows(admin_session.text('Test notify trust redirect report')) == {
        f'Test notify trust redirect/{victim}': [
            f'approved notice ({ids[victim]}) to {victim} not posted: the talk page was made '
            f'a redirect to User talk:{other} by {ANON}, not by a page move or by the user.'],
        f'Test notify trust redirect/{moved}': [
            f'approved notice ({ids[moved]}) to {moved} not posted: the talk page was moved '
            f'to User talk:{vandal} by {vandal}, who is neither the user, an admin nor a '
            'reviewer, and not in a rename of the user.']}


def test_a_renamed_user_is_followed_to_the_new_talk_page_and_not_welcomed_again(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    config = notify_config(tmp_path, 'trust rename')
    # The directory's wipe guard sees a rename as one name gone, one new: with a single
    # organizer that is 100% removed. The operator confirms it in the config here.
    settings = yaml.safe_load(config.read_text())
    write_config(config, {**settings, 'directory': {'max_removed_share': 1.0}})
    old, new = 'Trust Rename Old', 'Trust Rename New'
    title, again = 'Test notify trust rename/Mine', 'Test notify trust rename/Again'
    pageid = file_request(local_wiki, admin_session, title, old, directory='yes')
    uid = user_id(admin_session, old)
    first, listed, completed = f'approved:{pageid}', f'listed:u{uid}', f'completed:{pageid}'
    ok(run_bot(pywikibot_dir, 'all', f'-settings:{config}'))
    assert_once(admin_session, {first, listed})

    rename(local_wiki, admin_session, old, new)
    users = admin_session.api(action='query', list='users', ususers=[old, new])['query']['users']
    assert [u.get('userid') for u in users] == [None, uid]  # the same account, renamed
    assert (admin_session.text(f'User talk:{old}') or '').startswith('#REDIRECT')
    # The reviewer completes the request and puts the new name in it (after a decision
    # only a reviewer may change user=); the user confirms it under the new name.
    reviewer(local_wiki).edit(title, request_text(new, directory='yes', status='completed'))
    renamed = WikiSession(local_wiki.api_url, Account(new, VOLUNTEER_PASSWORD)).login()
    renamed.edit(title, request_text(new, directory='yes', status='completed',
                                     skills='Partnerships with libraries'))
    ok(run_bot(pywikibot_dir, 'all', f'-settings:{config}'))
    # Completed is told on the new talk page; the directory lists the same user id,
    # so no second welcome.
    assert_once(admin_session, {first, listed, completed})
    assert sorted(markers_by_page(admin_session)[f'User talk:{new}']) == sorted(
        [first, listed, completed])

    # The old name registered again (Wikimedia suggests it, against impostors): the
    # rename's move made the redirect, so that account's notice follows it.
    second = approved(local_wiki, admin_session, again, old)
    ok(run_bot(pywikibot_dir, 'notify', f'-settings:{config}'))
    assert_once(admin_session, {second})
    assert second in markers_by_page(admin_session)[f'User talk:{new}']
    assert (admin_session.text(f'User talk:{old}') or '').startswith('#REDIRECT')
    assert skipped_rows(admin_session.text('Test notify trust rename report')) == {}


# -- the ledger is the bot's own page ---------------------------------------------------------


def test_a_deleted_talk_page_brings_no_notice_back(tmp_path, local_wiki, pywikibot_dir,
                                                   admin_session, seeded: Seeded):
    config = notify_config(tmp_path, 'trust deleted')
    user = 'Trust Deleted User'
    talk = f'User talk:{user}'
    pageid = file_request(local_wiki, admin_session, 'Test notify trust deleted/Mine', user,
                          directory='yes')
    ids = {f'approved:{pageid}', f'listed:u{user_id(admin_session, user)}'}
    ok(run_bot(pywikibot_dir, 'all', f'-settings:{config}'))
    assert_once(admin_session, ids)
    own = admin_session.text(LEDGER_PAGE)
    assert own is not None and ids <= ledger_ids(json.loads(own))
    # Only the bot may write its ledger page (MediaWiki's rule for user .json pages).
    with pytest.raises(WikiApiError):
        login(local_wiki, user).edit(LEDGER_PAGE, json.dumps({'posted': {}}))

    # The talk page is deleted: its edits leave the bot's contributions, its markers go.
    admin_session.post_with_token(action='delete', title=talk, reason='user request')
    assert not {i for i in ids if ledger(admin_session)[i] or markers_on_wiki(admin_session)[i]}
    fresh = tmp_path / 'fresh-pywikibot'  # and no local state either
    fresh.mkdir()
    for name in ('user-config.py', 'user-password.py'):
        shutil.copy2(pywikibot_dir / name, fresh / name)
    output = ok(run_bot(fresh, 'all', f'-settings:{config}'))
    assert 'notify: 0 notices posted, 0 skipped, 0 waiting' in output
    assert admin_session.text(talk) is None


# -- long names -------------------------------------------------------------------------------


def test_long_names_keep_ids_short_and_first_in_the_summary(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    config = notify_config(tmp_path, 'trust long')
    # 160 characters; 88 characters in 228 bytes (MediaWiki refuses some 250 bytes).
    mentee, mentor = 'Trust Long Mentee ' + 'n' * 142, 'Trust Long Mentor ' + 'ア' * 70
    assert (len(mentee), len(mentor.encode())) == (160, 228)
    reviewing = reviewer(local_wiki)
    for user, title, params in (
            (mentee, 'Test notify trust long/Mentee', {'type': 'mentorship'}),
            (mentor, 'Test notify trust long/Mentor', {'directory': 'yes', 'mentor': 'yes'})):
        params = {'user': user, 'program': 'Long names', 'region': 'eseap',
                  'languages': 'ja', **{'type': 'network', **params}}
        volunteer(local_wiki, admin_session, user).edit(title, render_request(params))
        reviewing.edit(title, render_request({**params, 'status': 'approved'}))
    keys = {u: f'u{user_id(admin_session, u)}' for u in (mentee, mentor)}
    matched = {f'matched:{keys[mentee]}:{keys[mentor]}', f'matched:{keys[mentor]}:{keys[mentee]}'}

    ok(run_bot(pywikibot_dir, 'all', f'-settings:{config}'))
    assert_once(admin_session, matched | {f'listed:{keys[mentor]}'})
    for notice_id in matched:
        text = summary_of(admin_session, notice_id)
        assert text.startswith(f'[notice {notice_id}] ') and len(text.encode()) <= 500
    output = ok(run_bot(pywikibot_dir, 'all', f'-settings:{config}', '-nocache'))
    assert 'notify: 0 notices posted, 0 skipped, 0 waiting' in output
    assert_once(admin_session, matched)
