"""``templates_wikitext/`` files -> the pages ``install-templates`` publishes. Pure.

A file ``<Namespace>/<title>.wiki`` becomes the page ``<Namespace>:<title>``; a
subfolder is a subpage (``Template/Leadership request/doc.wiki`` ->
``Template:Leadership request/doc``) and ``Main`` is the main namespace.
``landing.wiki`` becomes the request landing page (``pages.request_prefix``'s parent).
``@@NAME@@`` placeholders are filled from the config, so the template's checks
always accept exactly the codes the bot accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pycountry

from bots.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / 'templates_wikitext'
LANDING_FILE = 'landing.wiki'
_PLACEHOLDER = re.compile(r'@@([A-Z_]+)@@')
# Longest user name MediaWiki allows, in bytes (so at most this many characters).
MAX_USERNAME = 255


def switch_cases(codes: Iterable[str]) -> str:
    """Codes as ``#switch`` fall-through cases, with the ``_`` spelling of each ``-`` code.

    The template normalizes with ``{{lc:{{anchorencode:…}}}}``, which turns spaces into
    underscores but leaves hyphens, so both spellings must match.
    """
    cases: list[str] = []
    for code in codes:
        cases.append(code)
        if '-' in code:
            cases.append(code.replace('-', '_'))
    return '|'.join(cases)


def colon_scan(value: str, length: int = MAX_USERNAME, chunk: int = 32) -> str:
    """Wikitext that expands to one ``:`` for each colon in the first ``length`` characters.

    Without string functions nothing finds a character in a string, but
    ``{{padleft:|n|value}}`` gives the first ``n`` characters of ``value``: character
    ``n`` is a colon exactly when that equals the first ``n - 1`` characters followed by
    ``:``. Past the end of ``value`` padleft repeats it, so a check there only sees its
    own characters again. Those repeats still cost (they count towards the page's
    post-expand include size), so the checks come in chunks and the next chunk runs only
    when ``value`` is that long: ``{{padleft:value|k|x}}`` gives ``value`` back
    unchanged exactly when it has ``k`` characters or more.
    """
    def first(n: int) -> str:
        return f'{{{{padleft:|{n}|{value}}}}}' if n else ''

    def check(n: int) -> str:
        return f'{{{{#ifeq:{first(n)}|{first(n - 1)}:|:}}}}'

    scan = ''
    for begin in reversed(range(1, length + 1, chunk)):
        checks = ''.join(check(n) for n in range(begin, min(begin + chunk, length + 1)))
        scan = checks + scan if begin == 1 else (
            f'{{{{#ifeq:{{{{padleft:{value}|{begin}|x}}}}|{value}|{checks}{scan}}}}}')
    return scan


def placeholders(settings: Settings) -> dict[str, str]:
    """Values of the ``@@NAME@@`` placeholders for this config."""
    pages, vocabulary = settings.pages, settings.vocabulary
    return {
        'REQUEST_PREFIX': pages.request_prefix,
        'LANDING': pages.landing,
        'PRELOAD': f'{pages.request_template}/preload',
        'DIRECTORY': pages.directory,
        'REPORT': pages.report,
        'REVIEWERS': pages.reviewers,
        'MENTORSHIP': pages.mentorship,
        'TYPES': switch_cases(vocabulary.types),
        'REGIONS': switch_cases(vocabulary.regions),
        'AREAS': switch_cases(vocabulary.areas),
        'TYPE_LIST': ', '.join(vocabulary.types),
        'REGION_LIST': ', '.join(vocabulary.regions),
        'AREA_LIST': ', '.join(vocabulary.areas),
        # ISO 4217, as the bot's parser checks it; the template compares {{lc:…}}.
        'CURRENCIES': switch_cases(sorted(c.alpha_3.lower() for c in pycountry.currencies)),
        # The template's user and reviewer checks: the parameter as the template reads it.
        'USER_COLONS': colon_scan('{{{username|{{{user|}}}}}}'),
        'REVIEWER_COLONS': colon_scan('{{{reviewer|}}}'),
    }


def fill(text: str, values: dict[str, str], source: str) -> str:
    """Replace placeholders; an unknown one is an error in the template file."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f'{source}: unknown placeholder @@{name}@@')
        return values[name]
    return _PLACEHOLDER.sub(value, text)


def title_for(path: Path, root: Path, settings: Settings) -> str:
    """The wiki title a template file is published at."""
    relative = path.relative_to(root)
    if relative.as_posix() == LANDING_FILE:
        return settings.pages.landing
    namespace, *parts = relative.with_suffix('').parts
    name = '/'.join(parts)
    if namespace == 'Template' and name.split('/')[0] == 'Leadership request':
        # The request template's title is configurable; its subpages follow it.
        return settings.pages.request_template + name[len('Leadership request'):]
    if namespace == 'Template' and name.split('/')[0] == 'Leadership recognition':
        return settings.pages.notice_template + name[len('Leadership recognition'):]
    return name if namespace == 'Main' else f'{namespace}:{name}'


def template_pages(settings: Settings, root: Path = TEMPLATES_DIR) -> dict[str, str]:
    """Every page to publish: title -> wikitext, in a stable order."""
    values = placeholders(settings)
    pages: dict[str, str] = {}
    for path in sorted(root.rglob('*.wiki')):
        text = path.read_text(encoding='utf-8')
        pages[title_for(path, root, settings)] = fill(text, values, str(path))
    return pages
