"""The directory on the real local wiki: human text kept, no churn, wipe guard, subpages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from devwiki.wikiuser import WikiSession
from leadership_bot.core.blocks import markers, read_block
from leadership_bot.core.directory import listed_rows
from leadership_bot.core.vocabulary import REGIONS

from .botrun import report_rows, run_bot, write_config
from .conftest import Seeded

BEGIN, END = markers('directory')


def config(tmp_path: Path, name: str, prefix: str | None = None, **directory: object) -> Path:
    """A config writing its own directory and report pages from the seeded requests
    (or from those under ``prefix``)."""
    pages = {'directory': f'Test {name} directory', 'report': f'Test {name} report',
             'directory_json': f'Test {name} directory.json'}
    if prefix:
        pages['request_prefix'] = prefix
    return write_config(tmp_path / f'{name}-{len(list(tmp_path.iterdir()))}.yaml',
                        {'site': 'local:local', 'pages': pages, 'directory': directory})


def lastrevid(session: WikiSession, title: str) -> int:
    return int(session.api(action='query', titles=title, prop='info')['query']['pages'][0]
               .get('lastrevid', 0))


def listed(session: WikiSession, title: str) -> set[str]:
    return set(listed_rows(read_block(session.text(title), 'directory')))


def row_of(text: str, user: str) -> str:
    """The directory row of ``user`` as the page shows it."""
    return next(line for line in text.splitlines()
                if line.startswith(f'| [[User:{user}|'))


def test_directory_keeps_human_text_and_makes_no_edit_when_nothing_changed(
        tmp_path, pywikibot_dir, admin_session, seeded: Seeded):
    cfg = config(tmp_path, 'human')
    title = 'Test human directory'
    admin_session.edit(title, "Welcome! ''Introduction'' written by the community.\n")
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    text = admin_session.text(title) or ''
    assert text.startswith("Welcome! ''Introduction'' written by the community.\n\n" + BEGIN)
    organizers = listed(admin_session, title)
    assert 'Ngozi Okafor' in organizers
    assert 'Sophie Laurent' not in organizers  # said directory = no on a newer request
    # Her newer request was filed by someone else and is unverified: the row comes from hers.
    row = row_of(text, 'Marie-Ève Tremblay')
    assert 'Wikimania 2026 organizers track' in row and '|| usca ||' in row
    # The community adds an outro; the bot keeps both across runs and edits nothing new.
    admin_session.edit(title, text + '\n\n== Talk to us ==\nOutro by a human.')
    revid = lastrevid(admin_session, title)
    json_revid = lastrevid(admin_session, 'Test human directory.json')
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    assert lastrevid(admin_session, title) == revid
    assert lastrevid(admin_session, 'Test human directory.json') == json_revid
    data = json.loads(admin_session.text('Test human directory.json') or '')
    assert {o['user'] for o in data['organizers']} == organizers


def test_wipe_guard_refuses_then_force_removal_saves(tmp_path, pywikibot_dir, admin_session,
                                                     seeded: Seeded):
    cfg = config(tmp_path, 'wipe')
    title, report = 'Test wipe directory', 'Test wipe report'
    # Rows a human typed between the markers before the bot ever wrote there were never
    # listed by the bot: replacing them removes nobody, and nobody is reported.
    ghosts = '\n'.join(f'| [[User:Ghost {i}|Ghost {i}]] ([[User talk:Ghost {i}|talk]]) || ssa'
                       for i in range(30))
    admin_session.edit(title, f'Intro\n{BEGIN}\n{{| class="wikitable"\n{ghosts}\n|}}\n{END}\nOutro')
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{cfg}')
    assert result.code == 0, result.stderr
    before = admin_session.text(title) or ''
    everyone = listed(admin_session, title)
    assert 'Ghost 1' not in before and 'Ngozi Okafor' in everyone
    rows = report_rows(admin_session.text(report) or '')
    assert not {(title, 'directory-not-saved'), (title, 'unauthorized-change')} & set(rows)

    # Only the requests whose titles start with N count now (a config mistake): the run
    # would drop most of the organizers the bot listed, so it saves nothing.
    narrow = config(tmp_path, 'wipe', prefix='Leadership network/Requests/N')
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{narrow}')
    assert result.code == 1
    assert admin_session.text(title) == before
    text = admin_session.text(report) or ''
    assert (title, 'directory-not-saved') in report_rows(text)
    found = re.search(r'would remove (\d+) of (\d+) listed organizers', text)
    assert found and int(found[2]) == len(everyone)
    assert int(found[1]) >= len(everyone) - 2 and int(found[1]) > 0.2 * len(everyone)

    result = run_bot(pywikibot_dir, 'directory', f'-settings:{narrow}', '-force-removal')
    assert result.code == 0, result.stderr
    text = admin_session.text(title) or ''
    assert text.startswith('Intro\n') and text.endswith('\nOutro')
    remaining = listed(admin_session, title)
    assert 'Ngozi Okafor' in remaining and remaining < everyone
    assert len(everyone - remaining) == int(found[1])


def test_broken_markers_are_reported_and_nothing_is_saved(tmp_path, pywikibot_dir,
                                                          admin_session, seeded: Seeded):
    cfg = config(tmp_path, 'broken')
    title = 'Test broken directory'
    broken = f'Intro\n{END}\nrows\n{BEGIN}\n'
    admin_session.edit(title, broken)
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{cfg}')
    assert result.code == 1
    assert admin_session.text(title) == broken.rstrip()
    assert (title, 'directory-not-saved') in report_rows(
        admin_session.text('Test broken report') or '')


def test_large_directory_moves_to_subpages_and_stale_ones_get_a_pointer(
        tmp_path, pywikibot_dir, admin_session, seeded: Seeded):
    title = 'Test split directory'
    small = config(tmp_path, 'split', max_rows_per_page=3)
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{small}')
    assert result.code == 0, result.stderr
    main = read_block(admin_session.text(title), 'directory') or ''
    assert f'[[{title}/ssa|{REGIONS["ssa"]} (ssa)]]' in main
    everyone = set()
    subpages = admin_session.api(action='query', list='allpages', apprefix=f'{title}/',
                                 aplimit='max')['query']['allpages']
    for page in subpages:
        rows = listed(admin_session, page['title'])
        assert len(rows) <= 3
        everyone |= rows
    assert 'Ngozi Okafor' in everyone and len(everyone) > 3
    # Back to one page: every subpage keeps only a pointer to the main page.
    large = config(tmp_path, 'split', max_rows_per_page=500)
    result = run_bot(pywikibot_dir, 'directory', f'-settings:{large}', '-force-removal')
    assert result.code == 0, result.stderr
    assert listed(admin_session, title) == everyone
    for page in subpages:
        body = read_block(admin_session.text(page['title']), 'directory') or ''
        assert body == f'This part of the directory is no longer used; see [[{title}]].'


def test_edit_conflict_keeps_the_human_edit(tmp_path, local_wiki, pywikibot_dir,
                                            admin_session, seeded: Seeded):
    """A human saves between the bot's read and its write; both edits survive."""
    title = 'Test conflict directory'
    admin_session.edit(title, f'Intro\n{BEGIN}\nold\n{END}\n')
    script = textwrap.dedent(f'''
        from devwiki.localwiki import ADMIN
        from leadership_bot.core.blocks import block_writer
        from leadership_bot.core.settings import Settings
        from leadership_bot.wiki.site import Wiki
        from devwiki.wikiuser import WikiSession
        import pywikibot
        human = WikiSession({local_wiki.api_url!r}, ADMIN).login()
        calls = []
        def apply(old):
            calls.append(old)
            if len(calls) == 1:
                human.edit({title!r}, 'Human line.\\n' + old)
            return block_writer('directory', 'new rows')(old)
        wiki = Wiki(pywikibot.Site(), Settings())
        assert wiki.save({title!r}, apply, 'test')
        print(len(calls))
    ''')
    process = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                             env={'PYWIKIBOT_DIR': str(pywikibot_dir), 'PATH': '/usr/bin:/bin'},
                             check=False, timeout=120)
    assert process.returncode == 0, process.stderr
    text = admin_session.text(title) or ''
    assert text.startswith('Human line.\nIntro\n')
    assert read_block(text, 'directory') == 'new rows'
