"""Faults against the real local wiki: HTTP errors, resets, timeouts, maxlag, edit
conflicts and SIGKILL.

The wiki will not fail on demand, so the bot talks to it through
:class:`tests.faultproxy.FaultProxy` (a second pywikibot folder points the ``local``
family at the proxy). Whatever a faulty run does, it either completes correctly or exits
1 with a one-line reason, and the next clean run ends in the correct state: every notice
once, the directory and matches complete, the humans' text kept.

Every test has its own config and its own fresh volunteers: notice ids such as
``listed:u<user id>`` are global to the wiki.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from devwiki.localwiki import BOT, REVIEWER, Account, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiSession
from leadership_bot.core.blocks import read_block
from leadership_bot.core.directory import listed_rows
from leadership_bot.core.matching import read_pairs
from tests.faultproxy import FaultProxy, ProxyRequest, Rule

from .botrun import Result, report_rows, run_bot, write_config
from .conftest import Seeded

SEED = 20261126
MARKER = re.compile(r'<!-- leadership-bot notice (.+?) -->')
TOKEN = re.compile(r'\[notice ([^\]]+)\]')
FAILED = 'leadership-bot: failed:'
INTRO = 'Intro written by a human; the bot keeps it.\n'
# pywikibot behind the proxy: few, quick retries and a read timeout the proxy can outlast.
READ_TIMEOUT = 2
STALL = READ_TIMEOUT + 0.5
RETRY_SETTINGS = ('max_retries = 3\nretry_wait = 0\nretry_max = 2\n'
                  f'socket_timeout = (2, {READ_TIMEOUT})\n')


# -- set-up --------------------------------------------------------------------------------


def proxied_dir(pywikibot_dir: Path, proxy: FaultProxy, folder: Path) -> Path:
    """A second pywikibot folder: the same family name and bot, the API through ``proxy``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / 'user-config.py').write_text(
        '# The local wiki through tests/faultproxy.py.\n'
        f"family_files['local'] = {proxy.api_url!r}\n"
        "family = 'local'\nmylang = 'local'\n"
        f"usernames['local']['local'] = {BOT.name!r}\n"
        "password_file = 'user-password.py'\n"
        'minthrottle = 0\nput_throttle = 0\nnoisysleep = 60.0\n' + RETRY_SETTINGS)
    password = folder / 'user-password.py'
    shutil.copyfile(pywikibot_dir / 'user-password.py', password)
    password.chmod(0o600)
    return folder


@dataclasses.dataclass(frozen=True)
class Network:
    """One test's requests and what a correct run makes of them."""

    name: str
    config: Path
    organizers: tuple[str, ...]  # directory = yes; the first ``mentors`` mentor
    mentees: tuple[str, ...]
    notices: frozenset[str]  # approved and listed notices due (matched: see the pairs)
    keys: dict[str, str] = dataclasses.field(default_factory=dict)  # user -> 'u<user id>'

    @property
    def base(self) -> str:
        return f'Test faults {self.name}'

    @property
    def prefix(self) -> str:
        return f'{self.base}/'

    @property
    def generated(self) -> dict[str, str]:
        """Region name -> title of the generated pages."""
        return {'report': f'{self.base} report', 'directory': f'{self.base} directory',
                'matches': f'{self.base} mentorship'}

    @property
    def users(self) -> tuple[str, ...]:
        return self.organizers + self.mentees

    @property
    def talk_pages(self) -> list[str]:
        return [f'User talk:{user}' for user in self.users]


_SESSIONS: dict[tuple[str, str], WikiSession] = {}


def session(wiki: LocalWiki, account: Account) -> WikiSession:
    """A logged-in session, one per wiki and account."""
    key = (wiki.api_url, account.name)
    if key not in _SESSIONS:
        _SESSIONS[key] = WikiSession(wiki.api_url, account).login()
    return _SESSIONS[key]


def volunteer(wiki: LocalWiki, admin: WikiSession, name: str) -> WikiSession:
    """A fresh volunteer account, logged in."""
    admin.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
    return session(wiki, Account(name, VOLUNTEER_PASSWORD))


def user_key(admin: WikiSession, name: str) -> str:
    """``u<user id>``: a user's part of the ids of notices about them."""
    users = admin.api(action='query', list='users', ususers=name)['query']['users']
    return f'u{users[0]["userid"]}'


def page_id(admin: WikiSession, title: str) -> int:
    return int(admin.api(action='query', titles=title, prop='info')['query']['pages'][0]
               ['pageid'])


LANGUAGES = ('en', 'es', 'fr')
REGIONS = ('ssa', 'lac', 'eseap')


def build_network(wiki: LocalWiki, admin: WikiSession, tmp_path: Path, name: str,
                  organizers: int = 2, mentors: int = 1, mentees: int = 1,
                  spread: bool = False) -> Network:
    """Fresh volunteers with approved requests, the generated pages started by a human.

    Organizers list themselves in the directory (the first ``mentors`` of them offer to
    mentor); mentees ask for mentorship. With ``spread`` users differ in languages and
    regions, otherwise all share English and one region. Every mentee is matched
    (capacity 3 per mentor, a mentor sharing the language exists).
    """
    base = f'Test faults {name}'
    reviewer = session(wiki, REVIEWER)
    tag = name.title().replace(' ', '')
    org_names = tuple(f'Fault {tag} Org {i:02d}' for i in range(organizers))
    mentee_names = tuple(f'Fault {tag} Mentee {i:02d}' for i in range(mentees))
    notices: set[str] = set()
    keys: dict[str, str] = {}
    for i, user in enumerate(org_names + mentee_names):
        organizer = i < organizers
        lang = LANGUAGES[i % len(LANGUAGES)] if spread else 'en'
        mentor = organizer and i < mentors
        params = {'user': user, 'type': 'network' if organizer else 'mentorship',
                  'program': f'Program {i}', 'region': REGIONS[i % 3] if spread else 'ssa',
                  'languages': lang if not mentor or not spread else ', '.join(LANGUAGES),
                  'areas': 'glam', 'directory': 'yes' if organizer else 'no',
                  'mentor': 'yes' if mentor else 'no'}
        title = f'{base}/{user}'
        volunteer(wiki, admin, user).edit(title, render_request(params))
        reviewer.edit(title, render_request({**params, 'status': 'approved'}))
        notices.add(f'approved:{page_id(admin, title)}')
        keys[user] = user_key(admin, user)
        if organizer:
            notices.add(f'listed:{keys[user]}')
    network = Network(
        name=name,
        config=write_config(tmp_path / f'{tag}.yaml', {
            'site': 'local:local',
            'pages': {'request_prefix': f'{base}/', 'report': f'{base} report',
                      'directory': f'{base} directory', 'mentorship': f'{base} mentorship',
                      'run': f'{base} run', 'optout': f'{base} opt-out'},
            'notify': {'since': '2025-01-01', 'max_per_run': 1000}}),
        organizers=org_names, mentees=mentee_names, notices=frozenset(notices), keys=keys)
    # A human started the directory and the report: their text must survive everything.
    admin.edit(network.generated['directory'], INTRO)
    admin.edit(network.generated['report'], INTRO)
    return network


# -- what the wiki says --------------------------------------------------------------------


def _query(session: WikiSession, **params: Any) -> Iterator[dict[str, Any]]:
    """Every response of an action=query, following ``continue``."""
    params = {'action': 'query', 'continue': '', **params}
    while True:
        result = session.api(post=True, **params)
        yield result
        if 'continue' not in result:
            return
        params.update(result['continue'])


def texts(admin: WikiSession, titles: Iterable[str]) -> dict[str, str | None]:
    """Title -> current text (``None``: missing), 50 titles per request."""
    titles = list(titles)
    found: dict[str, str | None] = dict.fromkeys(titles)
    for start in range(0, len(titles), 50):
        for result in _query(admin, titles=titles[start:start + 50], prop='revisions',
                             rvprop='content', rvslots='main'):
            for page in result['query'].get('pages', ()):
                for revision in page.get('revisions', ()):
                    found[page['title']] = revision['slots']['main']['content']
    return found


def markers(admin: WikiSession, network: Network) -> dict[str, list[str]]:
    """Talk page -> notice ids marked on it (with repeats), for the network's users."""
    return {title: MARKER.findall(text or '')
            for title, text in texts(admin, network.talk_pages).items()}


def ledger(admin: WikiSession, talk_pages: Iterable[str]) -> Counter[str]:
    """Notice id -> how many of the bot's edits on these talk pages carry it."""
    wanted = set(talk_pages)
    found: Counter[str] = Counter()
    for result in _query(admin, list='usercontribs', ucuser=BOT.name, ucnamespace=3,
                         ucprop='title|comment', uclimit='max'):
        for contribution in result['query']['usercontribs']:
            if contribution['title'] in wanted:
                found.update(TOKEN.findall(contribution.get('comment', '')))
    return found


def bot_edits(admin: WikiSession) -> int:
    """How many edits the bot has made on the whole wiki."""
    return sum(len(r['query']['usercontribs']) for r in _query(
        admin, list='usercontribs', ucuser=BOT.name, ucprop='ids', uclimit='max'))


def pairs_on(admin: WikiSession, network: Network) -> set[tuple[str, str]]:
    """(mentee, mentor) pairs on the network's matches page."""
    title = network.generated['matches']
    return {(p.mentee, p.mentor) for p in read_pairs(read_block(
        texts(admin, [title])[title], 'matches'))}


def expected_notices(network: Network, pairs: Iterable[tuple[str, str]]) -> set[str]:
    """Every notice due: approved and listed ones, and matched for both sides of each pair
    (which mentor a mentee gets is the matching's business)."""
    keys = network.keys
    return set(network.notices) | {f'matched:{keys[a]}:{keys[b]}' for mentee, mentor in pairs
                                   for a, b in ((mentee, mentor), (mentor, mentee))}


def assert_correct(admin: WikiSession, network: Network) -> None:
    """The wiki is as a complete, fault-free run leaves it."""
    pages = texts(admin, network.generated.values())
    directory = pages[network.generated['directory']] or ''
    assert directory.startswith(INTRO), directory[:300]
    assert set(listed_rows(read_block(directory, 'directory'))) == set(network.organizers)
    report = pages[network.generated['report']] or ''
    assert report.startswith(INTRO), report[:300]
    assert read_block(report, 'report') is not None and report_rows(report) == []
    pairs = pairs_on(admin, network)
    assert {mentee for mentee, _ in pairs} == set(network.mentees)
    assert {mentor for _, mentor in pairs} <= set(network.organizers)
    all_ids = [i for ids in markers(admin, network).values() for i in ids]
    duplicates = {i: n for i, n in Counter(all_ids).items() if n > 1}
    assert not duplicates, f'duplicate notices on talk pages: {duplicates}'
    assert set(all_ids) == expected_notices(network, pairs), sorted(all_ids)
    summaries = ledger(admin, network.talk_pages)
    assert set(summaries) == set(all_ids)
    assert max(summaries.values()) == 1, f'duplicate notice edits: {summaries}'


def assert_no_duplicates(admin: WikiSession, network: Network) -> None:
    """No notice twice, at any moment."""
    all_ids = [i for ids in markers(admin, network).values() for i in ids]
    duplicates = {i: n for i, n in Counter(all_ids).items() if n > 1}
    assert not duplicates, f'duplicate notices on talk pages: {duplicates}'
    summaries = ledger(admin, network.talk_pages)
    assert max(summaries.values(), default=0) <= 1, f'duplicate notice edits: {summaries}'


def assert_not_wiped(admin: WikiSession, network: Network) -> None:
    """The humans' text is there, and the directory lists nobody yet or everybody."""
    pages = texts(admin, [network.generated['directory'], network.generated['report']])
    assert all((text or '').startswith(INTRO.strip()) for text in pages.values()), pages
    listed = set(listed_rows(read_block(pages[network.generated['directory']],
                                         'directory')))
    assert listed in (set(), set(network.organizers)), sorted(listed)


def assert_completed_or_failed_cleanly(result: Result) -> None:
    """Exit 0, or exit 1 with a one-line reason last and no traceback anywhere."""
    assert result.code in (0, 1), (result.code, result.stderr[-3000:])
    assert 'Traceback' not in result.stderr + result.stdout, result.stderr[-3000:]
    if result.code == 1:
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(FAILED), result.stderr[-3000:]


def clean_run(pywikibot_dir: Path, network: Network) -> Result:
    result = run_bot(pywikibot_dir, 'all', f'-settings:{network.config}')
    assert result.code == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope='module')
def proxy(local_wiki: LocalWiki) -> Iterator[FaultProxy]:
    """One fault proxy for the module; each test gives it its own rules."""
    with FaultProxy(local_wiki.port) as running:
        yield running


@pytest.fixture(scope='module')
def proxy_dir(proxy: FaultProxy, pywikibot_dir: Path,
              tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pywikibot folder behind the proxy, kept (logged in, API cached) between tests."""
    return proxied_dir(pywikibot_dir, proxy, tmp_path_factory.mktemp('proxied'))


def faulty_run(proxy: FaultProxy, proxy_dir: Path, rules: Iterable[Rule],
               *args: str) -> Result:
    """``leadership-bot ARGS`` through the proxy with these rules (fresh counters)."""
    proxy.configure(rules, seed=SEED)
    try:
        return run_bot(proxy_dir, *args)
    finally:
        proxy.enabled = False


# -- the proxy itself ----------------------------------------------------------------------


def test_proxy_passes_through_and_counts(tmp_path, proxy, proxy_dir, admin_session,
                                         seeded: Seeded):
    """Without faults the bot works through the proxy; rules hit as configured."""
    config = write_config(tmp_path / 'pass.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': 'Test faults pass/', 'report': 'Test faults pass report',
        'run': 'Test faults pass run'}})
    result = faulty_run(proxy, proxy_dir, [], 'report', f'-settings:{config}')
    assert result.code == 0, result.stderr
    assert proxy.forwarded == proxy.requests > 0 and not proxy.injected
    assert 'leadership-bot report' in (admin_session.text('Test faults pass report') or '')
    proxy.configure([Rule('status', every=3, only='read', limit=2)], seed=SEED)
    http = requests.Session()
    http.trust_env = False
    statuses = [http.get(proxy.api_url, params={'action': 'query', 'format': 'json'},
                         timeout=30).status_code for _ in range(8)]
    assert proxy.total_injected == 2 and proxy.requests == 8 and proxy.forwarded == 6
    assert statuses.count(200) == 6 and statuses[2] >= 500 and statuses[5] >= 500


# -- transient faults ------------------------------------------------------------------------


FAULT_PLANS: dict[str, list[Rule]] = {
    # 5xx (504 is pywikibot's own retry path) or a connection reset before the wiki saw
    # the request, on about a quarter of all requests.
    'http errors and resets': [Rule('status', share=0.13), Rule('reset', share=0.13)],
    # Requests that hang past the client's read timeout before the wiki sees them.
    'timeouts': [Rule('timeout', every=5, delay=STALL, limit=1, only='read'),
                 Rule('timeout', every=3, delay=STALL, limit=1, only='write')],
    # A lagged replica: MediaWiki's maxlag error with Retry-After (each costs a wait).
    'maxlag': [Rule('maxlag', share=0.3, limit=3)],
    # The wiki refuses every edit: the run must give up with exit 1 and one line.
    'edits down': [Rule('status', only='write', statuses=(503,))],
    # Edits that reach the wiki but whose answer is lost: the client cannot tell.
    'lost answers': [Rule('reset', after=True, only='write', share=0.5)],
}


@pytest.mark.parametrize('plan', FAULT_PLANS)
def test_transient_faults_then_a_clean_run(plan, tmp_path, local_wiki, pywikibot_dir,
                                           admin_session, proxy, proxy_dir, seeded: Seeded):
    network = build_network(local_wiki, admin_session, tmp_path, f'transient {plan}')
    started = time.monotonic()
    result = faulty_run(proxy, proxy_dir, FAULT_PLANS[plan], 'all', f'-settings:{network.config}')
    elapsed = time.monotonic() - started
    print(f'\n{plan}: exit {result.code} in {elapsed:.1f} s, {proxy.requests} requests, '
          f'injected {dict(proxy.injected)}')
    assert proxy.total_injected > 0
    assert_completed_or_failed_cleanly(result)
    if plan == 'edits down':  # the reason says why
        last = result.stderr.strip().splitlines()[-1]
        assert result.code == 1 and ('503' in last or 'retries' in last), last
    assert_no_duplicates(admin_session, network)
    assert_not_wiped(admin_session, network)
    if result.code == 0:
        assert_correct(admin_session, network)
    clean_run(pywikibot_dir, network)
    assert_correct(admin_session, network)


# -- answers lost after the wiki saved ----------------------------------------------------------


def small_config(tmp_path: Path, name: str) -> tuple[Path, str]:
    """A config with its own report page (and nothing to report); returns it and the page."""
    base = f'Test faults {name}'
    config = write_config(tmp_path / 'small.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': f'{base}/', 'report': f'{base} report', 'run': f'{base} run'}})
    return config, f'{base} report'


@pytest.mark.parametrize('history', ['two human revisions', 'one human revision'])
def test_lost_answer_to_a_page_save_keeps_the_humans_text(history, tmp_path, local_wiki,
                                                          pywikibot_dir, admin_session,
                                                          proxy, proxy_dir, seeded: Seeded):
    config, report = small_config(tmp_path, f'lost save {history}')
    if history == 'two human revisions':
        admin_session.edit(report, 'Old intro, since replaced by a human.\n')
    admin_session.edit(report, INTRO)
    rule = Rule('reset', after=True, only='write', match=lambda r: r.title == report, limit=1)
    result = faulty_run(proxy, proxy_dir, [rule], 'report', f'-settings:{config}')
    assert proxy.injected['reset after'] == 1
    assert_completed_or_failed_cleanly(result)
    run_bot(pywikibot_dir, 'report', f'-settings:{config}')
    text = admin_session.text(report) or ''
    assert text.startswith(INTRO) and read_block(text, 'report') is not None, text[:300]


def test_lost_answer_to_a_notice_posts_it_once(tmp_path, local_wiki, pywikibot_dir,
                                               admin_session, proxy, proxy_dir, seeded: Seeded):
    network = build_network(local_wiki, admin_session, tmp_path, 'lost notice',
                            organizers=1, mentees=0)
    rule = Rule('timeout', after=True, only='write', delay=STALL, limit=1,
                match=lambda r: (r.title or '').startswith('User talk:'))
    result = faulty_run(proxy, proxy_dir, [rule], 'all', f'-settings:{network.config}')
    assert proxy.injected['timeout after'] == 1
    assert_completed_or_failed_cleanly(result)
    assert_no_duplicates(admin_session, network)
    clean_run(pywikibot_dir, network)
    assert_correct(admin_session, network)


def test_notices_failing_after_retries_fail_the_run(tmp_path, local_wiki, admin_session,
                                                    proxy, proxy_dir, seeded: Seeded):
    network = build_network(local_wiki, admin_session, tmp_path, 'notices down',
                            organizers=1, mentees=0)
    rule = Rule('status', only='write', statuses=(503,),
                match=lambda r: (r.title or '').startswith('User talk:'))
    result = faulty_run(proxy, proxy_dir, [rule], 'all', f'-settings:{network.config}')
    assert proxy.injected['status 503'] >= 4
    assert_completed_or_failed_cleanly(result)
    report = admin_session.text(network.generated['report']) or ''
    assert 'notice-skipped' not in report, report
    assert result.code == 1, result.stderr[-2000:]


# -- edit conflicts --------------------------------------------------------------------------


def test_edit_conflict_on_every_generated_page(tmp_path, local_wiki, pywikibot_dir,
                                               admin_session, proxy, proxy_dir, seeded: Seeded):
    """A human saves between the bot's read and its write, on every page the bot edits."""
    network = build_network(local_wiki, admin_session, tmp_path, 'conflicts')
    human = volunteer(local_wiki, admin_session, 'Fault Conflicts Human')
    targets = set(network.generated.values()) | set(network.talk_pages)
    raced: list[str] = []

    def human_edits_first(request: ProxyRequest) -> None:
        title = request.title or ''
        raced.append(title)
        human.edit(title, f'Human line on {title}.\n' + (human.text(title) or ''),
                   'a human, just before the bot')

    def first_bot_edit(request: ProxyRequest) -> bool:
        return request.action == 'edit' and request.title in targets \
            and request.title not in raced

    rule = Rule('hook', only='write', match=first_bot_edit, hook=human_edits_first)
    result = faulty_run(proxy, proxy_dir, [rule], 'all', f'-settings:{network.config}')
    print(f'\nconflicts: exit {result.code}, {proxy.injected["hook"]} human edits raced')
    assert result.code == 0, result.stdout + result.stderr
    # Every generated page and every talk page was raced (the mentorship page was
    # missing, so the human created it first).
    assert set(raced) == targets
    after = texts(admin_session, targets)
    for title, text in after.items():
        assert text is not None and f'Human line on {title}.' in text, (title, text)
    # The bot's regions are what a clean run makes of them: it changes nothing more.
    again = clean_run(pywikibot_dir, network)
    output = again.stdout + again.stderr
    for title in network.generated.values():
        assert f'{title}: no change' in output, output
    assert 'notify: 0 notices posted' in output, output
    pages = texts(admin_session, network.generated.values())
    assert set(listed_rows(read_block(pages[network.generated['directory']],
                                       'directory'))) == set(network.organizers)
    pairs = pairs_on(admin_session, network)
    assert {mentee for mentee, _ in pairs} == set(network.mentees)
    assert report_rows(pages[network.generated['report']] or '') == []
    assert_no_duplicates(admin_session, network)
    all_ids = [i for ids in markers(admin_session, network).values() for i in ids]
    assert set(all_ids) == expected_notices(network, pairs), sorted(all_ids)


# -- SIGKILL ---------------------------------------------------------------------------------

KILLS = 20


@dataclasses.dataclass
class KillStats:
    """What the kills hit."""

    kills: int = 0
    alive: int = 0  # the process was still running when killed
    with_progress: int = 0  # the killed run had saved at least one edit
    edits: list[int] = dataclasses.field(default_factory=list)  # per killed run
    phases: Counter[str] = dataclasses.field(default_factory=Counter)

    def __str__(self) -> str:
        return (f'{self.kills} kills, {self.alive} while running, {self.with_progress} after '
                f'saving something; edits per killed run {self.edits}; last output before '
                f'the kill: {dict(self.phases)}')


def phase_of(line: str) -> str:
    """A coarse name for where a run was, from its last output line."""
    for needle, phase in (('User talk:', 'posting notices'), ('notify:', 'done'),
                          ('match:', 'matches written'), ('mentorship', 'matches page'),
                          ('directory:', 'directory written'), ('directory', 'directory page'),
                          ('report:', 'report written'), ('report', 'report page'),
                          ('Logging in', 'logged in, reading')):
        if needle in line:
            return phase
    return 'starting' if not line.strip() else 'other'


@dataclasses.dataclass
class Run:
    """A background ``all`` run and its output lines with their times since the start."""

    process: subprocess.Popen[str]
    started: float
    lines: list[tuple[float, str]]

    def last_line(self) -> str:
        return next((line for _, line in reversed(self.lines) if line.strip()), '')


def start_all(pywikibot_dir: Path, config: Path) -> Run:
    """``python -m leadership_bot all`` in the background, its output collected as it comes."""
    process = subprocess.Popen(
        [sys.executable, '-m', 'leadership_bot', 'all', f'-settings:{config}',
            f'-dir:{pywikibot_dir}'],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    run = Run(process, time.monotonic(), [])

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            run.lines.append((time.monotonic() - run.started, line))

    threading.Thread(target=pump, daemon=True).start()
    return run


def normalized(text: str | None, name: str) -> str:
    """A text of one busy network with its name replaced, to compare with the control."""
    tag = name.title().replace(' ', '')
    return (text or '').replace(tag, 'X').replace(name, 'X')


def notice_ids(admin: WikiSession, network: Network) -> dict[str, list[str]]:
    """Talk page -> its notice ids, request page ids replaced by the requester, names
    normalized: comparable between two networks."""
    by_id = {str(page_id(admin, f'{network.prefix}{user}')): user for user in network.users}

    def readable(notice_id: str) -> str:
        event, _, rest = notice_id.partition(':')
        return f'{event}:request of {by_id[rest]}' if rest in by_id else notice_id

    return {normalized(title, network.name):
            sorted(normalized(readable(i), network.name) for i in ids)
            for title, ids in markers(admin, network).items()}


@pytest.mark.slow
def test_sigkill_at_random_moments_then_one_clean_run(tmp_path, local_wiki, pywikibot_dir,
                                                      admin_session, seeded: Seeded):
    """``all`` on a busy wiki (about 90 edits), killed 20 times, then run once in peace:
    the wiki ends as after one uninterrupted run of a twin network (the control)."""
    twins = {}
    for name in ('busy control', 'busy killed'):
        twins[name] = build_network(local_wiki, admin_session, tmp_path, name,
                                    organizers=32, mentors=4, mentees=8, spread=True)
    control, killed = twins['busy control'], twins['busy killed']
    run = start_all(pywikibot_dir, control.config)
    assert run.process.wait(timeout=600) == 0, ''.join(line for _, line in run.lines)
    full = time.monotonic() - run.started
    first_save = next(t for t, line in run.lines if ': saved (' in line)
    edits = sum(': saved (' in line or ': added section' in line for _, line in run.lines)
    print(f'\ncontrol run: {edits} edits in {full:.1f} s, first edit after {first_save:.1f} s')

    rng = random.Random(SEED)
    stats = KillStats()
    # Most kills land while the run writes (its first output line is its first save or
    # "no change"), within an eighth of the control's writing time; every fifth lands
    # anywhere in the start-up and reads.
    writing = (full - first_save) / 8
    while stats.kills < KILLS:
        before = bot_edits(admin_session)
        run = start_all(pywikibot_dir, killed.config)
        if stats.kills % 5 == 4:
            time.sleep(rng.uniform(0.2, first_save))
        else:
            deadline = time.monotonic() + 120
            while not run.lines and run.process.poll() is None \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0, writing))
        alive = run.process.poll() is None
        run.process.send_signal(signal.SIGKILL)
        run.process.wait(timeout=30)
        time.sleep(0.05)  # the last lines reach the pump
        made = bot_edits(admin_session) - before
        stats.kills += 1
        stats.alive += alive
        stats.with_progress += made > 0
        stats.edits.append(made)
        stats.phases[phase_of(run.last_line()) if alive else 'finished first'] += 1
        assert_no_duplicates(admin_session, killed)
        assert_not_wiped(admin_session, killed)
    print(f'kills: {stats}')

    result = run_bot(pywikibot_dir, 'all', f'-settings:{killed.config}')
    assert result.code == 0, result.stdout + result.stderr
    assert_correct(admin_session, killed)
    # Exactly what the uninterrupted control run made, names aside.
    for region, title in killed.generated.items():
        other = control.generated[region]
        pages = texts(admin_session, [title, other])
        assert normalized(pages[title], killed.name) == normalized(pages[other], control.name)
    assert notice_ids(admin_session, killed) == notice_ids(admin_session, control)
    assert stats.alive == stats.kills and stats.with_progress >= KILLS // 2, stats
