"""Mentorship matching on the real local wiki: the page, notices once, stability, re-matching."""

from __future__ import annotations

import json
from pathlib import Path

from devwiki.localwiki import BOT, REVIEWER, Account, LocalWiki
from devwiki.seeding import VOLUNTEER_PASSWORD, render_request
from devwiki.wikiuser import WikiSession
from leadership_bot.core.blocks import read_block
from leadership_bot.core.matching import read_pairs

from .botrun import run_bot, write_config
from .conftest import Seeded

PREFIX = 'Test match/'
# name: (languages, partnership areas). Shared areas make Dee–Ana and Eli–Bo the best
# pairs; Cy (English and Spanish) is left free; nobody speaks Finnish with Gus.
MENTORS = {'Match Mentor Ana': ('es', 'glam'), 'Match Mentor Bo': ('en', 'education'),
           'Match Mentor Cy': ('en, es', '')}
MENTEES = {'Match Mentee Dee': ('es', 'glam'), 'Match Mentee Eli': ('en', 'education'),
           'Match Mentee Gus': ('fi', '')}


def volunteer(wiki: LocalWiki, admin: WikiSession, name: str) -> WikiSession:
    admin.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
    return WikiSession(wiki.api_url, Account(name, VOLUNTEER_PASSWORD)).login()


def config(tmp_path: Path) -> Path:
    return write_config(tmp_path / 'match.yaml', {'site': 'local:local', 'pages': {
        'request_prefix': PREFIX, 'report': 'Test match report', 'run': 'Test match run',
        'directory': 'Test match directory', 'mentorship': 'Test match pairs'},
        'network': {'mentor_capacity': 1}, 'notify': {'since': '2025-01-01'}})


def pairs_on(admin: WikiSession) -> set[tuple[str, str]]:
    """The pairs the page shows; they are the pairs the bot keeps in its own data page."""
    shown = {(p.mentee, p.mentor) for p in read_pairs(read_block(
        admin.text('Test match pairs'), 'matches'))}
    data = json.loads(admin.text(f'User:{BOT.name}/leadership-pairs/Test match pairs.json')
                      or 'null')
    assert data['page'] == 'Test match pairs'
    assert {(p['mentee'], p['mentor']) for p in data['pairs']} == shown
    return shown


def matched_markers(admin: WikiSession, user: str) -> int:
    return (admin.text(f'User talk:{user}') or '').count('leadership-bot notice matched:')


def test_matching_page_notices_stability_and_rematching(tmp_path, local_wiki, pywikibot_dir,
                                                        admin_session, seeded: Seeded):
    reviewer = WikiSession(local_wiki.api_url, REVIEWER).login()
    sessions = {}
    for name, (languages, areas) in {**MENTORS, **MENTEES}.items():
        session = sessions[name] = volunteer(local_wiki, admin_session, name)
        mentor = name in MENTORS
        params = {'user': name, 'type': 'network' if mentor else 'mentorship',
                  'program': 'Mentoring' if mentor else 'Find a mentor', 'region': 'lac',
                  'languages': languages, 'areas': areas,
                  'directory': 'yes' if mentor else 'no',
                  'mentor': 'yes' if mentor else 'no',
                  'notices': 'no' if name == 'Match Mentor Bo' else 'yes'}
        title = f'{PREFIX}{name}'
        session.edit(title, render_request(params))
        reviewer.edit(title, render_request({**params, 'status': 'approved'}))
    cfg = config(tmp_path)

    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    first = pairs_on(admin_session)
    assert first == {('Match Mentee Dee', 'Match Mentor Ana'),
                     ('Match Mentee Eli', 'Match Mentor Bo')}
    page = admin_session.text('Test match pairs') or ''
    assert 'Waiting for a mentor' in page and 'no mentor shares a language' in page
    assert 'Match Mentee Gus' in page.split('Waiting for a mentor')[1]
    # Both sides told once; a mentor with notices = no is matched but not told.
    assert matched_markers(admin_session, 'Match Mentee Dee') == 1
    assert matched_markers(admin_session, 'Match Mentor Ana') == 1
    assert matched_markers(admin_session, 'Match Mentor Bo') == 0
    assert matched_markers(admin_session, 'Match Mentor Cy') == 0

    revid = admin_session.api(action='query', titles='Test match pairs',
                              prop='info')['query']['pages'][0]['lastrevid']
    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert pairs_on(admin_session) == first
    assert admin_session.api(action='query', titles='Test match pairs',
                             prop='info')['query']['pages'][0]['lastrevid'] == revid
    assert matched_markers(admin_session, 'Match Mentee Dee') == 1

    # Ana stops mentoring: Dee is matched again, with Cy; Eli keeps Bo.
    ana = f'{PREFIX}Match Mentor Ana'
    sessions['Match Mentor Ana'].edit(ana, (admin_session.text(ana) or '').replace(
        'mentor = yes', 'mentor = no'))
    result = run_bot(pywikibot_dir, 'all', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert pairs_on(admin_session) == {('Match Mentee Dee', 'Match Mentor Cy'),
                                       ('Match Mentee Eli', 'Match Mentor Bo')}
    assert matched_markers(admin_session, 'Match Mentee Dee') == 2  # Ana, then Cy
    assert matched_markers(admin_session, 'Match Mentor Cy') == 1
