"""Reading requests, the trust rules and the report page, on the real local wiki."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from devwiki.localwiki import REVIEWER, Account, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiSession

from .botrun import report_rows, run_bot, write_config
from .conftest import PREFIX, Seeded

REPORT = 'Leadership network/Bot report'


def api_requests(wiki: LocalWiki) -> int:
    """API requests the server has answered so far (php -S logs one line each)."""
    return len(re.findall(r'\]: (?:GET|POST) /api\.php', wiki.log_file.read_text()))


def isolated_config(tmp_path: Path, name: str, **pages: str) -> Path:
    """A config whose requests and generated pages belong to one test only."""
    return write_config(tmp_path / f'{name}.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': f'Test {name}/', 'report': f'Test {name} report',
        'run': f'Test {name} run', **pages}})


def login(wiki: LocalWiki, name: str) -> WikiSession:
    """A session of a seeded volunteer."""
    return WikiSession(wiki.api_url, Account(name, VOLUNTEER_PASSWORD)).login()


def request_text(user: str, **extra: str) -> str:
    return render_request({'user': user, 'type': 'attend', 'program': 'Test program',
                           'region': 'ssa', **extra})


def test_demo_requests_report_exactly_the_expected_problems(seeded: Seeded, pywikibot_dir,
                                                           admin_session):
    result = run_bot(pywikibot_dir, 'report', f'-settings:{seeded.config}')
    assert result.code == 0, result.stderr
    found: dict[str, set[str]] = defaultdict(set)
    skipped = set()
    for page, code in report_rows(admin_session.text(REPORT) or ''):
        if code == 'notice-skipped':  # a notice, not the request, has the problem
            skipped.add(page)
        else:
            found[page].add(code)
    for entry in seeded.fixture['requests']:
        assert found.get(PREFIX + entry['page'], set()) == set(entry.get('expect', ())), entry
    # Approved requests that say notices = no: the volunteer's own choice, not a problem.
    assert not {PREFIX + e['page'] for e in seeded.fixture['requests']
                if e.get('params', {}).get('notices') == 'no'} & skipped


def test_reading_costs_requests_per_batch_not_per_page(tmp_path, local_wiki, pywikibot_dir,
                                                       seeded: Seeded):
    """150 request pages cost the same few API requests as one (500 per batch for a bot)."""
    owner = login(local_wiki, 'Ngozi Okafor')
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    spent = {}
    for name, count in (('one', 1), ('many', 150)):
        config = isolated_config(tmp_path, name)
        for i in range(count):
            title = f'Test {name}/Request {i}'
            owner.edit(title, request_text('Ngozi Okafor'))
            if i % 3 == 0:  # a decision to attribute on a third of them
                reviewer.edit(title, request_text('Ngozi Okafor', status='approved'))
        before = api_requests(local_wiki)
        assert run_bot(pywikibot_dir, 'report', f'-settings:{config}').code == 0
        spent[name] = api_requests(local_wiki) - before
    assert spent['many'] <= spent['one'] + 2, spent


SUMMARY = re.compile(
    r'^leadership-bot: report: (?P<pages>\d+) pages read, (?P<problems>\d+) problems; saves: '
    r'(?P<saved>\d+) saved, (?P<unchanged>\d+) unchanged, \d+ simulated, \d+ conflicted, '
    r'\d+ refused; notices: \d+ posted, \d+ skipped, \d+ waiting; (?P<requests>\d+) API '
    r'requests; [\d.]+ s$', re.M)


def test_a_run_ends_with_one_line_of_counters(tmp_path, local_wiki, pywikibot_dir,
                                              seeded: Seeded, admin_session):
    """Pages read, problems, saves by outcome and the API requests the server answered."""
    config = isolated_config(tmp_path, 'counters')
    owner = login(local_wiki, 'Ngozi Okafor')
    owner.edit('Test counters/Fine', request_text('Ngozi Okafor'))
    owner.edit('Test counters/Broken', request_text('Ngozi Okafor', region='atlantis'))
    counts = []
    for _ in range(2):
        before = api_requests(local_wiki)
        result = run_bot(pywikibot_dir, 'report', f'-settings:{config}', '-nocache')
        assert result.code == 0, result.stderr
        [line] = SUMMARY.finditer(result.stderr)
        counts.append((line, api_requests(local_wiki) - before))
    (first, spent), (second, _) = counts
    assert first['pages'] == '2' and first['problems'] == '1'
    # The report, the bot's fingerprint of its block and its list of request pages; then
    # the same report and list again (an untouched fingerprint is not even compared).
    assert (first['saved'], first['unchanged']) == ('3', '0')
    assert (second['saved'], second['unchanged']) == ('0', '2')
    assert int(first['requests']) == spent  # every request the server answered is counted
    rows = report_rows(admin_session.text('Test counters report') or '')
    assert rows == [('Test counters/Broken', 'invalid-value')]


def test_second_run_makes_no_edit(seeded: Seeded, pywikibot_dir, admin_session):
    run_bot(pywikibot_dir, 'report', f'-settings:{seeded.config}')
    revid = admin_session.api(action='query', titles=REPORT, prop='info')['query']['pages'][0][
        'lastrevid']
    result = run_bot(pywikibot_dir, 'report', f'-settings:{seeded.config}')
    assert result.code == 0
    assert 'nothing changed' in result.stderr  # the run cache saw no change
    result = run_bot(pywikibot_dir, 'report', f'-settings:{seeded.config}', '-nocache')
    assert result.code == 0
    assert 'no change' in result.stderr  # a full read renders the same report
    assert admin_session.api(action='query', titles=REPORT, prop='info')['query']['pages'][0][
        'lastrevid'] == revid


def test_trust_rules_on_fresh_pages(tmp_path, local_wiki, pywikibot_dir, admin_session,
                                    seeded: Seeded):
    config = isolated_config(tmp_path, 'trust')
    owner = login(local_wiki, 'Ngozi Okafor')
    other = login(local_wiki, 'Mallory Vance')
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    # Created by someone other than the named user: unverified until she edits it.
    other.edit('Test trust/Not mine', request_text('Ngozi Okafor'))
    # Approved by the requester herself: unauthorized, counts as submitted.
    owner.edit('Test trust/Self approved', request_text('Ngozi Okafor', status='approved'))
    # Approved by the reviewer, then "completed" by a non-reviewer: stays approved.
    owner.edit('Test trust/Kept', request_text('Ngozi Okafor'))
    reviewer.edit('Test trust/Kept', request_text('Ngozi Okafor', status='approved'))
    other.edit('Test trust/Kept', request_text('Ngozi Okafor', status='completed'))
    # Withdrawn by the requester: allowed. Withdrawn by someone else: not.
    owner.edit('Test trust/Withdrawn', request_text('Ngozi Okafor', status='withdrawn'))
    owner.edit('Test trust/Withdrawn by other', request_text('Ngozi Okafor'))
    other.edit('Test trust/Withdrawn by other', request_text('Ngozi Okafor', status='withdrawn'))
    # Approved by an admin: admins count as reviewers.
    owner.edit('Test trust/By admin', request_text('Ngozi Okafor'))
    admin_session.edit('Test trust/By admin', request_text('Ngozi Okafor', status='approved'))
    # Several edits by the requester after the decision that keep the status: still
    # authorized.
    owner.edit('Test trust/Long', request_text('Ngozi Okafor'))
    reviewer.edit('Test trust/Long', request_text('Ngozi Okafor', status='approved'))
    for i in range(4):
        owner.edit('Test trust/Long', request_text('Ngozi Okafor', status='approved',
                                                   goals=f'edit {i}'))

    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert result.code == 0, result.stderr
    text = admin_session.text('Test trust report') or ''
    rows = set(report_rows(text))
    assert rows == {
        ('Test trust/Not mine', 'unverified-requester'),
        ('Test trust/Self approved', 'unauthorized-status'),
        ('Test trust/Kept', 'unauthorized-status'),
        ('Test trust/Withdrawn by other', 'unauthorized-status'),
    }
    assert 'set by Mallory Vance' in text and 'counts as &#34;approved&#34;' in text
    # Counts use the status that counts: approved = Kept + By admin + Long.
    assert '| approved || 3' in text


def test_reviewers_page_must_be_protected(tmp_path, pywikibot_dir, admin_session,
                                          seeded: Seeded):
    admin_session.edit('Test unprotected reviewers', '* [[User:Reviewer]]')
    config = isolated_config(tmp_path, 'unprotected', reviewers='Test unprotected reviewers')
    assert run_bot(pywikibot_dir, 'report', f'-settings:{config}').code == 0
    rows = report_rows(admin_session.text('Test unprotected report') or '')
    assert rows == [('Test unprotected reviewers', 'reviewers-unprotected')]


def test_human_text_around_the_report_is_kept(tmp_path, local_wiki, pywikibot_dir,
                                              admin_session, seeded: Seeded):
    config = isolated_config(tmp_path, 'human')
    admin_session.edit('Test human report', "Intro by a human.\n\n''Notes'' below:")
    assert run_bot(pywikibot_dir, 'report', f'-settings:{config}').code == 0
    text = admin_session.text('Test human report') or ''
    assert text.startswith("Intro by a human.\n\n''Notes'' below:\n\n<!-- BEGIN leadership-bot")
    admin_session.edit('Test human report', text + '\nOutro by a human.')
    owner = login(local_wiki, 'Ngozi Okafor')
    owner.edit('Test human/New', request_text('Ngozi Okafor', region='nowhere'))
    assert run_bot(pywikibot_dir, 'report', f'-settings:{config}').code == 0
    text = admin_session.text('Test human report') or ''
    assert text.startswith("Intro by a human.") and text.endswith('Outro by a human.')
    assert report_rows(text) == [('Test human/New', 'invalid-value')]


def test_broken_markers_are_not_saved_over(tmp_path, pywikibot_dir, admin_session,
                                           seeded: Seeded):
    config = isolated_config(tmp_path, 'markers')
    broken = 'Intro\n<!-- BEGIN leadership-bot report -->\nold rows, END marker lost'
    admin_session.edit('Test markers report', broken)
    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert result.code == 1
    assert 'BEGIN' in result.stderr and 'Traceback' not in result.stderr
    assert admin_session.text('Test markers report') == broken


def test_simulate_writes_nothing_and_shows_the_diff(tmp_path, pywikibot_dir, admin_session,
                                                    seeded: Seeded):
    config = isolated_config(tmp_path, 'simulate')
    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}', '-simulate')
    assert result.code == 0, result.stderr
    assert 'would save' in result.stderr + result.stdout
    assert '+ <!-- BEGIN leadership-bot report -->' in result.stderr + result.stdout
    assert admin_session.text('Test simulate report') is None


@pytest.mark.parametrize(('run_text', 'code'), [('no', 3), ('stop please', 3), ('yes', 0)])
def test_run_page_stops_the_bot(tmp_path, pywikibot_dir, admin_session, seeded: Seeded,
                                run_text, code):
    name = f'run{code}{len(run_text)}'
    config = isolated_config(tmp_path, name)
    admin_session.edit(f'Test {name} run', run_text)
    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert result.code == code, result.stderr
    assert (admin_session.text(f'Test {name} report') is None) == (code == 3)


def test_install_templates_twice_edits_nothing(pywikibot_dir, seeded: Seeded):
    run_bot(pywikibot_dir, 'install-templates', f'-settings:{seeded.config}')
    result = run_bot(pywikibot_dir, 'install-templates', f'-settings:{seeded.config}')
    assert result.code == 0, result.stderr
    assert re.search(r'install-templates: 0 of \d+ pages changed', result.stderr + result.stdout)


def test_bad_config_exits_2_naming_file_key_and_problem(tmp_path, pywikibot_dir):
    config = write_config(tmp_path / 'bad.yaml', {'notify': {'max_per_runn': 3}})
    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert result.code == 2
    assert f'{config}: notify.max_per_runn: unknown key' in result.stderr


def test_wrong_site_is_refused(tmp_path, pywikibot_dir):
    config = write_config(tmp_path / 'meta.yaml', {'site': 'meta:meta'})
    result = run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    assert result.code == 2
    assert 'meta:meta' in result.stderr and 'local:local' in result.stderr


def test_without_a_config_the_bot_runs_only_on_meta_wiki(pywikibot_dir):
    result = run_bot(pywikibot_dir, 'report')
    assert result.code == 2
    assert 'site: expects meta:meta' in result.stderr and 'local:local' in result.stderr


def test_missing_user_config_is_refused(tmp_path):
    result = run_bot(tmp_path, 'report')
    assert result.code == 2
    assert 'no user-config.py' in result.stderr


def test_unreachable_wiki_exits_1_with_one_line(tmp_path):
    folder = tmp_path / 'dead'
    folder.mkdir()
    (folder / 'user-config.py').write_text(
        "family_files['dead'] = 'http://127.0.0.1:9/api.php'\nfamily = 'dead'\n"
        "mylang = 'dead'\nmax_retries = 1\nretry_wait = 0\n")
    config = write_config(tmp_path / 'dead.yaml', {'site': 'dead:dead'})
    result = run_bot(folder, 'report', f'-settings:{config}')
    assert result.code == 1
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith('leadership-bot: failed: ')


def test_unknown_task_exits_2(pywikibot_dir):
    result = run_bot(pywikibot_dir, 'dance')
    assert result.code == 2 and "unknown task 'dance'" in result.stderr
