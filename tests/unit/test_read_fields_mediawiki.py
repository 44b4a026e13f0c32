"""The read_fields cases rendered by MediaWiki's own parser: the bot reads what the page shows.

Installs a throwaway MediaWiki (Debian's ``mediawiki`` package, SQLite, no web server)
with a stand-in ``Template:Leadership request`` that shows ``⟦user⫻status⫻type⟧`` as the
real one reads them (``{{{username|{{{user|}}}}}}`` …), renders every case of
cases/read_fields.yaml as a page, and checks that MediaWiki shows as many boxes as
read_fields counts (0 for a template read leniently: MediaWiki shows it as text; the
case's ``rendered`` for nested ones) with the values it reads (or the case's ``shown``).
The bot reads with this wiki's extension tags. Slow (about 10 s):
``pytest -m slow tests/unit/test_read_fields_mediawiki.py``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from leadership_bot.core.parsing import read_fields

from .test_read_fields import CASES, TEMPLATE

MEDIAWIKI = Path('/usr/share/mediawiki')
EXTENSIONS = ('ParserFunctions', 'Cite', 'Poem', 'SyntaxHighlight_GeSHi', 'InputBox',
              'CategoryTree', 'ImageMap', 'TemplateData')
PAGES = {
    'Template:Leadership request':
        '&#x27E6;{{{username|{{{user|}}}}}}&#x2AFB;{{{status|}}}&#x2AFB;{{{type|}}}&#x27E7;',
    'Template:Box': '<div class="box">{{{1|}}}</div>',
}
RENDER = r"""<?php
require_once getenv( 'MW_INSTALL_PATH' ) . '/maintenance/Maintenance.php';
class RenderCases extends Maintenance {
	public function execute() {
		$services = MediaWiki\MediaWikiServices::getInstance();
		$out = [ 'tags' => $services->getParserFactory()->create()->getTags(), 'html' => [] ];
		foreach ( json_decode( file_get_contents( 'php://stdin' ), true ) as $text ) {
			$parser = $services->getParserFactory()->create();
			$title = Title::newFromText( 'Leadership network/Requests/Case' );
			$output = $parser->parse( $text, $title, ParserOptions::newFromAnon() );
			$out['html'][] = $output->getText( [ 'unwrap' => true,
				'enableSectionEditLinks' => false, 'allowTOC' => false ] );
		}
		print json_encode( $out );
	}
}
$maintClass = RenderCases::class;
require_once RUN_MAINTENANCE_IF_MAIN;
"""
BOX = re.compile('\u27e6(.*?)\u2afb(.*?)\u2afb(.*?)\u27e7', re.S)
ATTRIBUTE = re.compile(r' (?:id|title|href|data-[a-z-]+)="[^"]*"')  # headings copy text there
PLAIN = re.compile(r'[\w .-]*')  # a value MediaWiki shows as it is written

CHECKED = [case for case in CASES if 'mediawiki' not in case]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which('php') is None
                       or not (MEDIAWIKI / 'maintenance' / 'install.php').exists(),
                       reason='needs php and MediaWiki in /usr/share/mediawiki'),
]


def php(root: Path, *args: str, stdin: str = '') -> str:
    return subprocess.run(
        ['php', *args], cwd=MEDIAWIKI, input=stdin, capture_output=True, text=True,
        check=True, timeout=300, env={'MW_INSTALL_PATH': str(MEDIAWIKI), 'PATH': '/usr/bin:/bin'},
    ).stdout


@pytest.fixture(scope='module')
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[frozenset[str], list[str]]:
    """This wiki's extension tags, and the HTML of every checked case."""
    root = tmp_path_factory.mktemp('mediawiki')
    php(root, 'maintenance/install.php', '--dbtype', 'sqlite', '--dbpath', str(root),
        '--dbname', 'wiki', '--confpath', str(root), '--server', 'http://127.0.0.1',
        '--scriptpath', '', '--lang', 'en', '--pass', 'Case-password-12345',
        'Cases', 'Admin')
    settings = root / 'LocalSettings.php'
    settings.write_text(settings.read_text() + ''.join(
        f"wfLoadExtension( '{name}' );\n" for name in EXTENSIONS
        if (MEDIAWIKI / 'extensions' / name).exists()) + '$wgMainCacheType = CACHE_NONE;\n')
    conf = ('--conf', str(settings))
    for title, text in PAGES.items():
        php(root, 'maintenance/edit.php', *conf, '-u', 'Admin', title, stdin=text)
    script = root / 'render.php'
    script.write_text(RENDER)
    result = json.loads(php(root, str(script), *conf,
                            stdin=json.dumps([case['text'] for case in CHECKED])))
    return frozenset(result['tags']), result['html']


@pytest.mark.parametrize('index', range(len(CHECKED)), ids=[c['name'] for c in CHECKED])
def test_mediawiki_shows_what_read_fields_reads(
        rendered: tuple[frozenset[str], list[str]], index: int) -> None:
    case: dict[str, Any] = CHECKED[index]
    tags, pages = rendered
    read = read_fields(case['text'], TEMPLATE, case.get('redirect_words', ['#REDIRECT']),
                       extension_tags=tags)
    boxes = BOX.findall(html.unescape(ATTRIBUTE.sub('', pages[index])))
    assert len(boxes) == case.get('rendered', 0 if read.lenient else read.found), pages[index]
    if read.found == len(boxes) == 1 and not read.nested:
        for field, shown in zip(('user', 'status', 'type'), boxes[0], strict=True):
            value = case.get('shown', {}).get(field, read.values.get(field, ''))
            if PLAIN.fullmatch(value) and PLAIN.fullmatch(shown):
                assert value == shown.strip(), field
