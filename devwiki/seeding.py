"""Seed a local wiki with the demo requests of ``scripts/fixtures/demo.yaml``.

Each page is created and edited by the account the fixture names, through the API,
so the trust rules see real authors. Seeding twice changes nothing: existing pages
are left as they are.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mwparserfromhell
import yaml
from mwparserfromhell.nodes import Template
from mwparserfromhell.wikicode import Wikicode

from devwiki.localwiki import ADMIN, DEFAULT_DIR, REVIEWER, Account, LocalWiki
from devwiki.wikiuser import WikiSession
from leadership_bot.core.parsing import template_key
from leadership_bot.core.settings import Settings, load_settings

FIXTURE = Path(__file__).resolve().parent.parent / 'scripts' / 'fixtures' / 'demo.yaml'
VOLUNTEER_PASSWORD = 'Volunteer-pass-2026'  # loopback demo wiki only



def find_templates(code: Wikicode, template_title: str) -> list[Template]:
    """All transclusions of the request template in the page, nested ones included
    (mwparserfromhell, for editing the page; the bot reads with
    :func:`leadership_bot.core.parsing.read_fields`)."""
    key = template_key(template_title)
    return [t for t in code.filter_templates(recursive=True)
            if template_key(str(t.name).strip()) == key]


def render_request(params: Mapping[str, str], template: str = 'Leadership request') -> str:
    """``{{Leadership request | key = value …}}`` in block format, keys in the given order."""
    lines = [f'{{{{{template}'] + [f'| {key} = {value}' for key, value in params.items()]
    return '\n'.join(lines) + '\n}}'


def apply_set(text: str, changes: Mapping[str, str], template_title: str) -> str:
    """Change or add parameters of the (first) request template, keeping everything else."""
    code = mwparserfromhell.parse(text)
    template = find_templates(code, template_title)[0]
    for key, value in changes.items():
        template.add(key, value)
    return str(code)


@dataclasses.dataclass(frozen=True)
class SeedResult:
    """What seeding did."""

    created: int
    skipped: int
    edits: int


class Seeder:
    """Creates accounts and pages as the fixture says, one logged-in session per account."""

    def __init__(self, wiki: LocalWiki, settings: Settings) -> None:
        self.wiki = wiki
        self.settings = settings
        self.sessions: dict[str, WikiSession] = {}

    def session(self, name: str) -> WikiSession:
        """A session logged in as ``name`` (the reviewer, the admin or a volunteer)."""
        if name not in self.sessions:
            account = {a.name: a for a in (ADMIN, REVIEWER)}.get(
                name, Account(name, VOLUNTEER_PASSWORD))
            self.sessions[name] = WikiSession(self.wiki.api_url, account).login()
        return self.sessions[name]

    def seed(self, fixture: Mapping[str, Any]) -> SeedResult:
        """Seed accounts, the reviewers and run pages, and every request."""
        admin = self.session(ADMIN.name)
        for name in fixture.get('volunteers', ()):
            admin.create_account(name, VOLUNTEER_PASSWORD, exist_ok=True)
        pages = self.settings.pages
        if admin.text(pages.reviewers) is None:
            listed = '\n'.join(f'* [[User:{name}]]' for name in fixture.get('reviewers', ()))
            admin.edit(pages.reviewers, 'Reviewers of leadership requests. Only admins may '
                       f'edit this page.\n\n{listed}\n', 'Seed: reviewers')
            admin.protect(pages.reviewers, edit='sysop')
        if admin.text(pages.notice_template) is not None:  # as an admin does on Meta-Wiki
            admin.protect(pages.notice_template, edit='sysop')
        if admin.text(pages.run) is None:
            admin.edit(pages.run, 'yes', 'Seed: the bot may run')
        created = skipped = edits = 0
        for entry in fixture.get('requests', ()):
            title = pages.request_prefix + entry['page']
            author = self.session(entry['author'])
            if author.text(title) is not None:
                skipped += 1
                continue
            text = entry.get('raw') or render_request(entry['params'])
            author.edit(title, text, 'New leadership request')
            created += 1
            for change in entry.get('edits', ()):
                editor = self.session(change['by'])
                text = apply_set(editor.text(title) or '', change['set'],
                                 pages.request_template)
                editor.edit(title, text, 'Update: ' + ', '.join(
                    f'{k}={v}' for k, v in change['set'].items()))
                edits += 1
        self.wiki.run_jobs()
        return SeedResult(created, skipped, edits)


def load_fixture(path: Path = FIXTURE) -> dict[str, Any]:
    """The fixture file as plain data."""
    data = yaml.safe_load(path.read_text(encoding='utf-8'))
    if not isinstance(data, dict):
        raise ValueError(f'{path}: not a mapping')
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m devwiki.seeding [--dir D] [--config F] [--fixture F]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dir', type=Path, default=DEFAULT_DIR)
    parser.add_argument('--config', type=Path, default=Path('config/local.yaml'))
    parser.add_argument('--fixture', type=Path, default=FIXTURE)
    args = parser.parse_args(argv)
    wiki = LocalWiki(args.dir)
    result = Seeder(wiki, load_settings(args.config)).seed(load_fixture(args.fixture))
    print(f'seeded: {result.created} request pages created ({result.edits} later edits), '
          f'{result.skipped} already there')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
