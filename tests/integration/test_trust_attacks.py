"""Attacks on the request pages, as a vandal would try them, on the real local wiki.

Every attack is set up once on its own page (each with its own requester), then one
``all`` run reads them together; each test checks what one attack achieved: a report
row naming it, and nothing moved (directory, counts, notices).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devwiki.localwiki import REVIEWER, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiSession

from .botrun import report_rows, run_bot, write_config
from .conftest import Seeded
from .test_report import login

PREFIX = 'Attack/'
PAGES = {'request_prefix': PREFIX, 'report': 'Attack report', 'run': 'Attack run',
         'directory': 'Attack directory', 'directory_json': 'Attack directory.json',
         'mentorship': 'Attack matches', 'reviewers': 'Attack reviewers',
         'optout': 'Attack opt-out'}
ACCOUNTS = ('Mallet', 'Bea', 'Rita', 'Vandal', 'Trust swap', 'Trust alias', 'Trust comment',
            'Trust moved', 'Trust resubmit', 'Trust revdel', 'Trust broken', 'Trust rita',
            'Trust comment name', 'Trust hidden', 'Trust removed', 'Trust completed',
            'Trust out', 'Trust redirect', 'Trust json', 'Trust branch', 'Trust deep',
            'Trust renamed', 'Trust optout')


def request(user: str, **extra: str) -> str:
    return render_request({'user': user, 'type': 'attend', 'program': 'Attack camp',
                           'region': 'ssa', 'languages': 'en', 'directory': 'yes', **extra})


def edit_as(session: WikiSession, title: str, text: str) -> int:
    return session.edit(PREFIX + title, text)


@pytest.fixture(scope='module')
def attacked(tmp_path_factory, local_wiki: LocalWiki, pywikibot_dir: Path,
             admin_session: WikiSession, seeded: Seeded) -> dict[str, Any]:
    """Every attack set up, then one ``all`` run; returns the report rows and the directory."""
    for name in ACCOUNTS:
        admin_session.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
    user = {name: login(local_wiki, name) for name in ACCOUNTS}
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    anon = WikiSession(local_wiki.api_url)
    admin_session.edit(PAGES['reviewers'], '* [[User:Reviewer]]\n* [[User:Rita]]')
    admin_session.protect(PAGES['reviewers'])
    admin_session.edit(PAGES['run'], 'yes')

    # A third user swaps the requester of an approved request (also through the alias).
    edit_as(user['Trust swap'], 'Swap', request('Trust swap'))
    edit_as(reviewer, 'Swap', request('Trust swap', status='approved'))
    edit_as(user['Mallet'], 'Swap', request('Mallet', status='approved'))
    edit_as(user['Trust alias'], 'Alias', request('Trust alias'))
    edit_as(reviewer, 'Alias', request('Trust alias', status='approved'))
    edit_as(user['Mallet'], 'Alias',
            request('Trust alias', status='approved').replace('}}', '| username = Mallet\n}}'))
    # The victim once commented on a draft; the attacker turns it into a request for them.
    edit_as(user['Mallet'], 'Comment', 'Notes for my draft.')
    edit_as(user['Trust comment'], 'Comment', 'Notes for my draft.\n\nLooks good! --Trust comment')
    edit_as(user['Mallet'], 'Comment', request('Trust comment', skills='Spam links'))
    # The victim's own sandbox, moved under the request prefix by someone else.
    user['Trust moved'].edit('User:Trust moved/Sandbox', request('Trust moved'))
    user['Mallet'].post_with_token(action='move', **{'from': 'User:Trust moved/Sandbox'},
                                   to=PREFIX + 'Moved', noredirect=True)
    # Logged out, someone sets an approved request back to submitted.
    edit_as(user['Trust resubmit'], 'Resubmit', request('Trust resubmit'))
    edit_as(reviewer, 'Resubmit', request('Trust resubmit', status='approved'))
    edit_as(anon, 'Resubmit', request('Trust resubmit', status='submitted'))
    # Vandalism, reverted by a bystander, then revision-deleted by an admin.
    edit_as(user['Trust revdel'], 'Revdel', request('Trust revdel'))
    edit_as(reviewer, 'Revdel', request('Trust revdel', status='approved'))
    vandal = edit_as(anon, 'Revdel', request('Trust revdel', status='declined', skills='SPAM'))
    edit_as(user['Bea'], 'Revdel', request('Trust revdel', status='approved'))
    admin_session.post_with_token(action='revisiondelete', type='revision',
                                  target=PREFIX + 'Revdel', ids=str(vandal), hide='content|user')
    # The requester types status = approved into a broken template; a reviewer repairs it.
    edit_as(user['Trust broken'], 'Broken',
            request('Trust broken', status='approved').removesuffix('}}'))
    edit_as(reviewer, 'Broken', request('Trust broken', status='approved'))
    # Rita approves while listed, then is removed from the reviewers page.
    edit_as(user['Trust rita'], 'Rita', request('Trust rita'))
    edit_as(user['Rita'], 'Rita', request('Trust rita', status='approved'))
    admin_session.edit(PAGES['reviewers'], '* [[User:Reviewer]]\n* <s>[[User:Rita]]</s>')
    # After Rita's removal she completes a request: that no longer counts.
    edit_as(user['Trust completed'], 'Completed', request('Trust completed'))
    edit_as(reviewer, 'Completed', request('Trust completed', status='approved'))
    edit_as(user['Rita'], 'Completed', request('Trust completed', status='completed'))
    # A comment in a parameter name: MediaWiki reads the last "user", the victim.
    edit_as(user['Mallet'], 'Comment name', request('Trust comment name').replace(
        '| user = Trust comment name', '| user = Mallet\n| user<!-- --> = Trust comment name'))
    # A request MediaWiki does not render: inside <includeonly>.
    edit_as(user['Trust hidden'], 'Hidden',
            f'<includeonly>{request("Trust hidden")}</includeonly>')
    # A vandal blanks an approved request.
    edit_as(user['Trust removed'], 'Removed', request('Trust removed'))
    edit_as(reviewer, 'Removed', request('Trust removed', status='approved'))
    edit_as(anon, 'Removed', 'nothing here')
    # A long history (read page by page after the first rounds), vandalised at the end.
    edit_as(user['Trust deep'], 'Deep', request('Trust deep'))
    edit_as(reviewer, 'Deep', request('Trust deep', status='approved'))
    for i in range(10):
        edit_as(user['Trust deep'], 'Deep', request('Trust deep', status='approved',
                                                     skills=f'edit {i}'))
    edit_as(anon, 'Deep', request('Trust deep', status='declined', skills='edit 9'))
    # Requests MediaWiki does not render: another content model, an untaken branch.
    user['Trust json'].edit(PREFIX + 'Json', json.dumps({'a': request('Trust json')}),
                            contentmodel='json')
    edit_as(user['Trust branch'], 'Branch', '{{#if: | ' + request('Trust branch') + ' }}')
    # Approved requests that a vandal will move away and turn into a redirect.
    edit_as(user['Trust out'], 'Out', request('Trust out'))
    edit_as(reviewer, 'Out', request('Trust out', status='approved'))
    edit_as(user['Trust redirect'], 'Redirect', request('Trust redirect'))
    edit_as(reviewer, 'Redirect', request('Trust redirect', status='approved'))
    # Opted out; a logged-out user takes the name off the opt-out page.
    user['Trust optout'].edit(PAGES['optout'], '* [[User:Trust optout]]')
    anon.edit(PAGES['optout'], 'nobody here')
    edit_as(user['Trust optout'], 'Optout', request('Trust optout'))
    edit_as(reviewer, 'Optout', request('Trust optout', status='approved'))
    # Approved and listed, then renamed; the page keeps the old name.
    edit_as(user['Trust renamed'], 'Renamed', request('Trust renamed'))
    edit_as(reviewer, 'Renamed', request('Trust renamed', status='approved'))
    local_wiki.run_jobs()

    config = write_config(tmp_path_factory.mktemp('attacks') / 'attacks.yaml', {
        'site': 'local:local', 'pages': PAGES, 'notify': {'since': '2025-01-01'}})
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert result.code == 0, result.stderr
    # After a run that saw them: moved out of the request pages, made a redirect.
    user['Mallet'].post_with_token(action='move', **{'from': PREFIX + 'Out'},
                                   to='Elsewhere/Out', noredirect=True)
    edit_as(anon, 'Redirect', f'#REDIRECT [[{PREFIX}Swap]]')
    local_wiki.rename_user('Trust renamed', 'Trust renamed anew')
    result = run_bot(pywikibot_dir, 'all', f'-settings:{config}')
    assert result.code == 0, result.stderr
    report = admin_session.text(PAGES['report']) or ''
    listed = json.loads(admin_session.text(PAGES['directory_json']) or '{}')
    return {'rows': set(report_rows(report)), 'report': report, 'admin': admin_session,
            'organizers': {o['user']: o for o in listed.get('organizers', ())}}


def rows_of(attacked: dict[str, Any], page: str) -> set[str]:
    return {code for title, code in attacked['rows'] if title == PREFIX + page}


def test_swapping_the_requester_of_an_approved_request_moves_nothing(attacked):
    assert rows_of(attacked, 'Swap') == {'requester-changed'}
    assert rows_of(attacked, 'Alias') == {'requester-changed'}
    organizers = attacked['organizers']
    assert 'Mallet' not in organizers
    assert organizers['Trust swap']['approved'] == 1
    assert organizers['Trust alias']['approved'] == 1
    assert 'Mallet' in attacked['report']  # the row names who did it
    talk = attacked['admin'].text('User talk:Trust swap') or ''
    assert 'leadership-bot notice approved:' in talk
    assert attacked['admin'].text('User talk:Mallet') is None


def test_an_edit_before_the_page_named_them_is_no_consent(attacked):
    assert rows_of(attacked, 'Comment') == {'unverified-requester'}
    assert 'Trust comment' not in attacked['organizers']


def test_an_edit_from_before_a_move_is_no_consent(attacked):
    assert rows_of(attacked, 'Moved') == {'unverified-requester'}
    assert 'Trust moved' not in attacked['organizers']


def test_a_logged_out_resubmission_keeps_the_approval(attacked):
    assert rows_of(attacked, 'Resubmit') == {'unauthorized-status'}
    assert attacked['organizers']['Trust resubmit']['approved'] == 1


def test_revision_deleted_vandalism_moves_nothing_and_blames_nobody(attacked):
    assert rows_of(attacked, 'Revdel') == set()
    assert attacked['organizers']['Trust revdel']['approved'] == 1
    assert 'Bea' not in attacked['report']


def test_a_reviewer_repairing_a_template_does_not_approve_it(attacked):
    assert rows_of(attacked, 'Broken') == {'unauthorized-status'}
    assert attacked['organizers']['Trust broken']['approved'] == 0
    assert 'set by Trust broken' in attacked['report']


def test_a_removed_reviewer_keeps_past_decisions_but_makes_no_new_ones(attacked):
    assert rows_of(attacked, 'Rita') == set()
    assert attacked['organizers']['Trust rita']['approved'] == 1
    assert rows_of(attacked, 'Completed') == {'unauthorized-status'}
    completed = attacked['organizers']['Trust completed']
    assert (completed['approved'], completed['completed']) == (1, 0)


def test_a_comment_in_a_parameter_name_is_read_as_mediawiki_reads_it(attacked):
    assert rows_of(attacked, 'Comment name') == {'unverified-requester'}
    assert 'Mallet' not in attacked['organizers']
    assert 'Trust comment name' not in attacked['organizers']


def test_a_template_mediawiki_does_not_render_is_no_request(attacked):
    assert 'Trust hidden' not in attacked['organizers']


def test_blanking_an_approved_request_is_reported_and_changes_nothing(attacked):
    assert rows_of(attacked, 'Removed') == {'unauthorized-change'}
    assert attacked['organizers']['Trust removed']['approved'] == 1


def test_names_added_to_an_open_reviewers_page_by_others_do_not_count(
        tmp_path, local_wiki, pywikibot_dir, admin_session, seeded: Seeded):
    for name in ('Vandal', 'Trust open'):
        admin_session.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    vandal, owner = login(local_wiki, 'Vandal'), login(local_wiki, 'Trust open')
    admin_session.edit('Open reviewers', '* [[User:Reviewer]]')
    vandal.edit('Open reviewers', '* [[User:Reviewer]]\n* [[User:Vandal]]')
    owner.edit('Open/Request', request('Trust open'))
    reviewer.edit('Open/Request', request('Trust open', status='approved'))
    vandal.edit('Open/Request', request('Trust open', status='completed'))
    config = write_config(tmp_path / 'open.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': 'Open/', 'report': 'Open report', 'run': 'Open run',
        'reviewers': 'Open reviewers'}})
    assert run_bot(pywikibot_dir, 'report', f'-settings:{config}').code == 0
    rows = set(report_rows(admin_session.text('Open report') or ''))
    assert rows == {('Open reviewers', 'reviewers-unprotected'),
                    ('Open/Request', 'unauthorized-status')}


def test_moving_an_approved_request_away_does_not_make_it_disappear(attacked):
    assert ('Elsewhere/Out', 'unauthorized-change') in attacked['rows']
    assert attacked['organizers']['Trust out']['approved'] == 1
    assert 'Mallet' in attacked['report']


def test_turning_a_request_into_a_redirect_is_reported_and_changes_nothing(attacked):
    assert rows_of(attacked, 'Redirect') == {'unauthorized-change'}
    assert attacked['organizers']['Trust redirect']['approved'] == 1


def test_another_content_model_or_an_untaken_branch_is_no_request(attacked):
    assert 'Trust json' not in attacked['organizers']
    assert rows_of(attacked, 'Json') == set()
    assert 'Trust branch' not in attacked['organizers']
    assert rows_of(attacked, 'Branch') == {'missing-field'}


def test_a_long_history_is_read_to_its_start(attacked):
    assert rows_of(attacked, 'Deep') == {'unauthorized-status'}
    deep = attacked['organizers']['Trust deep']
    assert (deep['approved'], deep['skills']) == (1, 'edit 9')


def test_a_renamed_requester_keeps_their_request_and_is_not_welcomed_again(attacked):
    assert rows_of(attacked, 'Renamed') == set()
    organizers = attacked['organizers']
    assert 'Trust renamed' not in organizers
    assert organizers['Trust renamed anew']['approved'] == 1
    assert 'leadership-bot notice listed:' in (
        attacked['admin'].text('User talk:Trust renamed') or '')
    assert attacked['admin'].text('User talk:Trust renamed anew') is None


def test_a_name_taken_off_the_opt_out_page_by_someone_else_stays_opted_out(attacked):
    assert attacked['admin'].text('User talk:Trust optout') is None
    assert rows_of(attacked, 'Optout') == {'notice-skipped'}
