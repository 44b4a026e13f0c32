"""``templates_wikitext/`` files -> the pages ``install-templates`` publishes. Pure.

A file ``<Namespace>/<title>.wiki`` (``.lua``: a Lua module) becomes the page
``<Namespace>:<title>``; a
subfolder is a subpage (``Template/Leadership request/doc.wiki`` ->
``Template:Leadership request/doc``) and ``Main`` is the main namespace.
``landing.wiki`` becomes the request landing page (``pages.request_prefix``'s parent).
``@@NAME@@`` placeholders are filled from the config, so the template's checks
always accept exactly the codes the bot accepts, and the box, the documentation and
TemplateData show the vocabulary's labels (:mod:`leadership_bot.core.vocabulary`: no
template file writes a label itself). A file whose name holds ``@@REGION@@``
is published once for every region of the vocabulary (the region tracking categories).

The folder is package data: the repository's top-level ``templates_wikitext/`` is
installed as ``leadership_bot/templates_wikitext`` (``pyproject.toml``), read through
:mod:`importlib.resources`, so a wheel has it too. A source checkout whose editable
install predates that mapping reads the top-level folder next to the package.
"""

from __future__ import annotations

import importlib.resources
import json
import re
from collections.abc import Iterable, Iterator
from importlib.resources.abc import Traversable
from pathlib import Path

import pycountry

from leadership_bot.core.data_pages import data_pages
from leadership_bot.core.settings import Settings
from leadership_bot.core.vocabulary import REGIONS, Labels, Vocabulary, own_label

PACKAGE = 'leadership_bot.templates_wikitext'
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / 'templates_wikitext'
LANDING_FILE = 'landing.wiki'
REQUEST_FILE = 'Template/Leadership request.wiki'
NOTICE_FILE = 'Template/Leadership recognition.wiki'
# Without these nothing works on the wiki: their absence means a broken installation.
REQUIRED_FILES = (LANDING_FILE, REQUEST_FILE, 'Template/Leadership request/box.wiki',
                  'Template/Leadership request/preload.wiki',
                  'Template/Leadership request/editintro.wiki', NOTICE_FILE)
PER_REGION = '@@REGION@@'
SUFFIXES = ('.wiki', '.lua')  # wikitext pages; Lua modules (Module:…)
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


def canonical_cases(codes: Iterable[str]) -> str:
    """``#switch`` cases that turn the ``_`` spelling of each ``-`` code into the code.

    ``{{lc:{{anchorencode:North America}}}}`` is ``north_america``; a category named
    after it would be another page than the one for ``north-america``.
    """
    return ' '.join(f'| {code.replace("-", "_")} = {code}' for code in codes if '-' in code)


def region_category(code: str) -> str:
    """The tracking category the request template adds for a region code."""
    return f'Category:Leadership requests in {code}'


def status_category(code: str) -> str:
    """The tracking category the request template adds for a status code."""
    return f'Category:Leadership requests ({code})'


def label_cases(labels: Labels, shown: str = '{label}', every: bool = False,
                spellings: bool = False) -> str:
    """``#switch`` cases that show each code's label (``shown``: a format of ``label`` and
    ``code``), one per line. Codes whose label is the code itself are left to the
    switch's ``#default`` (the value as written) unless ``every``; with ``spellings``
    the ``_`` spelling of a ``-`` code is a case too (see :func:`switch_cases`)."""
    return '\n  '.join(
        f'| {switch_cases([code]) if spellings else code} = '
        + shown.format(label=label, code=code)
        for code, label in labels.items() if every or label != code)


def terms(labels: Labels, last: str = ' or ') -> str:
    """The codes for a sentence, each with its label where that says more than the code
    (:func:`~leadership_bot.core.vocabulary.own_label`): ``hq (Headquarters), open-data
    or other`` for the labels Headquarters, Open data and Other."""
    items = [f'{code} ({label})' if own_label(code, label) else code
             for code, label in labels.items()]
    return ', '.join(items[:-1]) + last + items[-1] if len(items) > 1 else ''.join(items)


def json_text(text: str) -> str:
    """``text`` for the inside of a JSON string (TemplateData)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def json_items(codes: Iterable[str]) -> str:
    """The codes as the inside of a JSON array of strings, less its first and last quote.

    The file writes ``[ "@@TYPE_VALUES@@" ]``, so it is valid JSON before it is filled
    in too (tests and editors read the TemplateData of the file itself).
    """
    return '", "'.join(json_text(code) for code in codes)


def lower_first(label: str) -> str:
    """A label inside a sentence: ``Under review`` -> ``under review``."""
    return label[:1].lower() + label[1:]


def region_rows(vocabulary: Vocabulary) -> str:
    """The rows of the documentation's region table: code and name."""
    return '\n'.join(f'|-\n| <code>{code}</code> || {name}'
                     for code, name in vocabulary.region_labels.items())


def region_caption(vocabulary: Vocabulary) -> str:
    """The caption of the documentation's region table."""
    if vocabulary.region_labels == REGIONS and vocabulary.regions == tuple(REGIONS):
        return 'The default region codes (the Wikimedia funding regions)'
    return 'The region codes'


def placeholders(settings: Settings) -> dict[str, str]:
    """Values of the ``@@NAME@@`` placeholders for this config.

    ``*_JSON`` values go inside a JSON string (TemplateData), ``*_VALUES`` inside the
    quotes of a JSON array's only string (:func:`json_items`).
    """
    pages, vocabulary = settings.pages, settings.vocabulary
    return {
        'REQUEST_PREFIX': pages.request_prefix,
        'LANDING': pages.landing,
        'PRELOAD': f'{pages.request_template}/preload',
        'EDITINTRO': f'{pages.request_template}/editintro',
        'DIRECTORY': pages.directory,
        'REPORT': pages.report,
        'REVIEWERS': pages.reviewers,
        'MENTORSHIP': pages.mentorship,
        'TYPES': switch_cases(vocabulary.types),
        'REGIONS': switch_cases(vocabulary.regions),
        'AREAS': switch_cases(vocabulary.areas),
        'STATUSES': switch_cases(vocabulary.statuses),
        'REGION_CANONICAL': canonical_cases(vocabulary.regions),
        'STATUS_CANONICAL': canonical_cases(vocabulary.statuses),
        'REGION_CATEGORY_LINKS': ' · '.join(
            f'[[:{region_category(code)}|{code}]]' for code in vocabulary.regions),
        'STATUS_CATEGORY_LINKS': ' · '.join(
            f'[[:{status_category(code)}|{lower_first(label)}]]'
            for code, label in vocabulary.status_labels.items()),
        'TYPE_LIST': ', '.join(vocabulary.types),
        'REGION_LIST': ', '.join(vocabulary.regions),
        'AREA_LIST': ', '.join(vocabulary.areas),
        'STATUS_LIST': ', '.join(vocabulary.statuses),
        # The box: the type as typed (lower case, "_" for spaces), the region and status
        # codes as the main template normalized them.
        'TYPE_NAMES': label_cases(vocabulary.type_labels, spellings=True),
        'REGION_NAMES': label_cases(vocabulary.region_labels, '{label} ({code})'),
        'STATUS_NAMES': label_cases(vocabulary.status_labels, every=True),
        'REGION_CAPTION': region_caption(vocabulary),
        'REGION_ROWS': region_rows(vocabulary),
        'TYPE_TERMS_JSON': json_text(terms(vocabulary.type_labels)),
        'REGION_TERMS_JSON': json_text(terms(vocabulary.region_labels)),
        'AREA_TERMS_JSON': json_text(terms(vocabulary.area_labels, last=', ')),
        'TYPE_VALUES': json_items(vocabulary.types),
        'REGION_VALUES': json_items(vocabulary.regions),
        'AREA_VALUES': json_items(vocabulary.areas),
        'STATUS_VALUES': json_items(vocabulary.statuses),
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


def title_for(relative: str, settings: Settings) -> str:
    """The wiki title of the template file at ``relative`` (a ``/``-separated path)."""
    if relative == LANDING_FILE:
        return settings.pages.landing
    namespace, *parts = relative.removesuffix('.wiki').removesuffix('.lua').split('/')
    name = '/'.join(parts)
    if namespace == 'Template' and name.split('/')[0] == 'Leadership request':
        # The request template's title is configurable; its subpages follow it.
        return settings.pages.request_template + name[len('Leadership request'):]
    if namespace == 'Template' and name.split('/')[0] == 'Leadership recognition':
        return settings.pages.notice_template + name[len('Leadership recognition'):]
    return name if namespace == 'Main' else f'{namespace}:{name}'


class TemplateFilesError(Exception):
    """The template files are missing: an installation without its package data."""


def templates_root() -> Traversable:
    """The ``templates_wikitext`` folder: the package's data, else the checkout's folder."""
    try:
        return importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return CHECKOUT_DIR


def wiki_files(root: Traversable) -> Iterator[tuple[str, str]]:
    """``(relative path, text)`` of every ``.wiki`` and ``.lua`` file under ``root``, sorted by path
    parts (a template's subpages before the template: its box before its first use)."""
    def walk(folder: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
        if not folder.is_dir():
            return
        for entry in folder.iterdir():
            if entry.is_dir():
                yield from walk(entry, f'{prefix}{entry.name}/')
            elif entry.name.endswith(SUFFIXES):
                yield f'{prefix}{entry.name}', entry
    for relative, entry in sorted(walk(root, ''), key=lambda item: item[0].split('/')):
        yield relative, entry.read_text(encoding='utf-8')


def template_pages(settings: Settings, root: Traversable | None = None) -> dict[str, str]:
    """Every page to publish: title -> text, in a stable order (the JSON data pages of
    :mod:`leadership_bot.core.data_pages` first).

    Raises :class:`TemplateFilesError` when a file the wiki needs is missing (an
    installation without its package data publishes nothing rather than half).
    """
    root = templates_root() if root is None else root
    files = dict(wiki_files(root))
    missing = [name for name in REQUIRED_FILES if name not in files]
    if missing:
        found = (f'missing {", ".join(missing)} in {root}' if files else
                 f'{root} has no .wiki files')
        raise TemplateFilesError(
            f'no template files to publish ({found}): the package was installed without '
            'its templates_wikitext data; reinstall it (pip install --force-reinstall)')
    values = placeholders(settings)
    pages: dict[str, str] = {}
    for relative, text in files.items():
        if PER_REGION in relative:
            for code in settings.vocabulary.regions:
                each = values | {'REGION': code}
                pages[title_for(relative.replace(PER_REGION, code), settings)] = fill(
                    text, each, relative)
        else:
            pages[title_for(relative, settings)] = fill(text, values, relative)
    # The data pages first: the pages that read them render with them on first install.
    return data_pages(settings.vocabulary) | pages
