"""Synthetic request pages and their XML dump (MediaWiki export format 0.11).

Deterministic for a given N: the same N gives the same pages, users and texts. Each page
has one revision by its requester; about 10% have a second one by the reviewer that
approves the request, and about 2% are broken in one of several ways the bot reports.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from devwiki.seeding import apply_set, render_request

REQUESTS_PER_REQUESTER = 20
PASSWORD = 'Bench-pass-2026'  # loopback benchmark wiki only
TYPES = ('attend', 'organize', 'mentorship', 'network', 'other')
REGIONS = ('mena', 'ssa', 'sa', 'eseap', 'ceeca', 'nwe', 'lac', 'usca', 'global')
AREAS = ('glam', 'education', 'government', 'open-data', 'libraries', 'research', 'media',
         'civil-society', 'technology', 'other')
LANGUAGES = ('en', 'fr', 'es', 'ar', 'hi', 'sw', 'yo', 'zh', 'ru', 'pt', 'de', 'id', 'ja',
             'bn', 'tr', 'uk', 'pl', 'vi', 'ko', 'it')
GIVEN = ('Ngozi', 'Łukasz', 'أحمد', '田中', 'Zoë', 'Priya', 'Camila', 'Олена', 'Nguyễn',
         "Sean O'Brien", 'Aïssatou', 'Marie-Ève')
CURRENCIES = ('USD', 'EUR', 'INR', 'NGN', 'BRL', 'IDR')
# What makes a broken request broken: parameters set on its (only) revision.
BROKEN: tuple[dict[str, str], ...] = (
    {'region': 'nowhere'},                        # invalid-value, required: no request
    {'start': '2026-13-01'},                      # invalid-value
    {'start': '2025-09-10', 'end': '2025-09-01'},  # date-order
    {'program': ''},                              # missing-field: no request
    {'status': 'approved'},                       # unauthorized-status (needs the history)
    {'colour': 'blue'},                           # unknown parameter
)
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Revision:
    """One revision of a synthetic page."""

    user: str
    timestamp: dt.datetime
    text: str
    comment: str


@dataclasses.dataclass(frozen=True)
class BenchPage:
    """One synthetic request page."""

    title: str
    requester: str
    kind: str  # 'submitted', 'approved' or 'broken'
    revisions: tuple[Revision, ...]


def requester_names(n: int) -> list[str]:
    """Requester accounts for N requests (about 20 requests each), in several scripts."""
    count = max(1, math.ceil(n / REQUESTS_PER_REQUESTER))
    return [f'{GIVEN[i % len(GIVEN)]} Bench{i:05d}' for i in range(count)]


def generate(n: int, prefix: str, reviewer: str) -> list[BenchPage]:
    """N request pages under ``prefix``, spread over :func:`requester_names` ``(n)``."""
    rng = random.Random(n)
    users = requester_names(n)
    pages = []
    for i in range(n):
        user = users[i % len(users)]
        user_index = i % len(users)
        region = REGIONS[(user_index + (i // len(users)) // 7) % len(REGIONS)]
        start = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(600))
        params = {
            'user': user, 'type': rng.choice(TYPES), 'program': f'Bench program {i}',
            'program_url': f'https://example.org/programs/{i}',
            'start': start.isoformat(),
            'end': (start + dt.timedelta(days=rng.randrange(1, 6))).isoformat(),
            'location': rng.choice(('Berlin', 'Dakar', 'Jakarta', 'Lima', 'Online')),
            'region': region,
            'languages': ', '.join(rng.sample(LANGUAGES, rng.randint(1, 3))),
            'areas': ', '.join(rng.sample(AREAS, rng.randint(1, 3))),
            'skills': f'Partnerships with museums and libraries; trains new editors ({i}).',
            'goals': 'Bring a partnership template back to the affiliate.',
            'mentor': 'yes' if user_index % 4 == 0 else 'no',
            'notices': 'yes', 'lang': rng.choice(LANGUAGES),
        }
        if rng.random() < 0.5:
            params.update(amount=str(rng.randrange(100, 3000)), currency=rng.choice(CURRENCIES))
        # Most requesters ask to be listed on every request; one in ten never says.
        if user_index % 10:
            params['directory'] = 'yes'
        first = START + dt.timedelta(minutes=i)
        title = f'{prefix}Request {i:05d}'
        if i % 50 == 7:  # 2%
            broken = BROKEN[(i // 50) % len(BROKEN)]
            text = render_request({**params, **broken})
            pages.append(BenchPage(title, user, 'broken', (
                Revision(user, first, text, 'New leadership request'),)))
        elif i % 10 == 3:  # 10%
            submitted = render_request(params)
            approved = apply_set(submitted, {
                'status': 'approved', 'reviewer': reviewer,
                'decision_date': (first + dt.timedelta(days=2)).date().isoformat()},
                'Template:Leadership request')
            pages.append(BenchPage(title, user, 'approved', (
                Revision(user, first, submitted, 'New leadership request'),
                Revision(reviewer, first + dt.timedelta(days=2), approved,
                         'Update: status=approved'))))
        else:
            pages.append(BenchPage(title, user, 'submitted', (
                Revision(user, first, render_request(params), 'New leadership request'),)))
    return pages


def to_xml(pages: Iterable[BenchPage]) -> str:
    """The pages as an XML dump that ``importDump.php`` reads (export format 0.11).

    Revisions are attributed to the named local users, which must exist before the
    import (MediaWiki assigns imported edits to existing local users by name).
    """
    parts = ['<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:schemaLocation="http://www.mediawiki.org/xml/export-0.11/ '
             'http://www.mediawiki.org/xml/export-0.11.xsd" version="0.11" xml:lang="en">\n']
    for page in pages:
        parts.append(f'  <page>\n    <title>{escape(page.title)}</title>\n    <ns>0</ns>\n')
        for revision in page.revisions:
            parts.append(_revision_xml(revision))
        parts.append('  </page>\n')
    parts.append('</mediawiki>\n')
    return ''.join(parts)


def _revision_xml(revision: Revision) -> str:
    size = len(revision.text.encode('utf-8'))
    return (
        '    <revision>\n'
        f'      <timestamp>{revision.timestamp:%Y-%m-%dT%H:%M:%SZ}</timestamp>\n'
        '      <contributor>\n'
        f'        <username>{escape(revision.user)}</username>\n'
        '      </contributor>\n'
        f'      <comment>{escape(revision.comment)}</comment>\n'
        '      <model>wikitext</model>\n'
        '      <format>text/x-wiki</format>\n'
        f'      <text bytes="{size}" xml:space="preserve">{escape(revision.text)}</text>\n'
        '    </revision>\n')


def incremental_edits(pages: Sequence[BenchPage], count: int = 10) -> list[tuple[BenchPage, str]]:
    """``count`` pages spread over the whole range (one approved among them) and their new
    text: the requester changes the skills, which keeps the request valid."""
    step = max(1, len(pages) // count)
    chosen = [pages[min(i * step, len(pages) - 1)] for i in range(count)]
    approved = [p for p in pages if p.kind == 'approved']
    if approved and all(p.kind != 'approved' for p in chosen):
        chosen[-1] = approved[len(approved) // 2]
    return [(page, apply_set(page.revisions[-1].text,
                             {'skills': 'Edited for the incremental benchmark run.'},
                             'Template:Leadership request'))
            for page in chosen]
