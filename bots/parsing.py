"""Request page wikitext -> the fields it holds, and typed :class:`~bots.model.Request` records.

Pure: no wiki access. :func:`read_fields` reads a revision's text the way MediaWiki
renders the page; :func:`validate` checks the values against the config's vocabularies
and the wiki's language codes; :func:`parse_request` does both for a page and reports
what a volunteer should fix.

Reading follows MediaWiki's preprocessor (``Preprocessor_Hash``, MediaWiki 1.39), not a
general wikitext parser, because the two disagree exactly where a vandal would look: an
unclosed ``<!--`` or ``<includeonly>`` hides the rest of the page, ``{{ |`` or an
unclosed ``[[`` inside a template swallow its ``}}``, ``<pre\\n>`` is a tag, and a
parameter name may be built by a parser function (``{{lc:USER}} = Victim``). The
preprocessor finds comments, tags and the braces of templates in one pass; which names
mean our template, and which parameter wins, follow ``Parser::braceSubstitution``,
``Title::newFromText`` and ``PPTemplateFrame_Hash``. mwparserfromhell remains for editing
a page (:func:`find_templates`, used by seeding).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import html.entities
import itertools
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import pycountry
from mwparserfromhell.nodes import Template
from mwparserfromhell.wikicode import Wikicode

from bots.model import (
    DEFAULT_STATUS,
    FIELDS,
    REQUIRED_FIELDS,
    STATUSES,
    Problem,
    Request,
    RequestPage,
)
from bots.normalize import normalize_code, normalize_language, normalize_username, split_list

# Alternative parameter names (alias -> field) the template and its TemplateData accept.
# The template reads ``{{{username|{{{user|}}}}}}``: an alias wins whenever it is given,
# even empty.
ALIASES: dict[str, str] = {'username': 'user'}

# The wiki's parser extension tags (siteinfo ``extensiontags``), as on Meta-Wiki: the
# preprocessor hands their content to the extension instead of reading it as wikitext.
EXTENSION_TAGS = frozenset({
    # MediaWiki core
    'gallery', 'indicator', 'langconvert', 'nowiki', 'pre',
    # Wikimedia extensions
    'categorytree', 'ce', 'charinsert', 'chem', 'graph', 'hiero', 'imagemap', 'inputbox',
    'languages', 'mapframe', 'maplink', 'math', 'poem', 'ref', 'references', 'score',
    'section', 'source', 'syntaxhighlight', 'templatedata', 'templatestyles', 'timeline',
})
# Extension tags whose content is never rendered as wikitext: a template in them is only
# text. The content of any other extension tag (<ref>, <poem>, <gallery> …) may be.
_OPAQUE_TAGS = frozenset({
    'categorytree', 'ce', 'charinsert', 'chem', 'graph', 'hiero', 'inputbox', 'languages',
    'mapframe', 'maplink', 'math', 'nowiki', 'pre', 'score', 'section', 'source',
    'syntaxhighlight', 'templatedata', 'templatestyles', 'timeline',
})

_ISO_DATE = re.compile(r'\d{4}-\d{2}-\d{2}', re.ASCII)
_URL = re.compile(r'https?://[^\s<>\[\]{}|"]+', re.IGNORECASE)
_AMOUNT = re.compile(r'\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?', re.IGNORECASE | re.ASCII)
_SHOWN = 60  # longest excerpt of a bad value quoted in a message


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """What validation accepts; ``languages`` empty means any code is accepted."""

    types: frozenset[str]
    regions: frozenset[str]
    areas: frozenset[str]
    languages: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class FieldRead:
    """The request fields one revision's text holds, read as MediaWiki renders the page."""

    # Field name (bots.model.FIELDS) -> value: comments dropped, stripped; a field that is
    # missing, empty or only invisible characters is absent.
    values: Mapping[str, str]
    found: int  # request templates MediaWiki renders directly on the page (0, 1, 2 …)
    # The values come from a template that is not closed (MediaWiki shows it as text).
    lenient: bool = False
    # Parameter names the template does not know, as written, in order (for the
    # invalid-value problem); a name built by a template or parser function is kept with
    # its braces (``{{lc:USER}}``), see :func:`validate`.
    unknown: tuple[str, ...] = ()
    # A request template also appears inside another template, parser function, template
    # argument or extension tag, or with a name a template builds around the template's
    # name ({{Leadership request{{{|}}}|…}}): whether MediaWiki shows it, the bot cannot tell.
    nested: bool = False


def read_fields(text: str, template_title: str, redirect_words: Iterable[str] = ('#REDIRECT',),
                *, extension_tags: Iterable[str] = EXTENSION_TAGS) -> FieldRead:
    """The request fields of one revision's text, as MediaWiki renders the page.

    - Only a template written directly on the page counts (``found``): not one inside
      ``<!-- -->``, ``<includeonly>`` (closed or not), ``<nowiki>``, ``<pre>`` or another
      extension tag, nor one in another template's parameter or a parser function's
      branch (``nested``: whether MediaWiki shows it cannot be known). ``<noinclude>``
      and ``<onlyinclude>`` are rendered on the page itself.
    - The template's name is read as ``Parser::braceSubstitution`` and
      ``Title::newFromText`` read it: ``Template:`` optional (any case, spaces), first
      letter of any case, spaces and underscores alike, HTML entities decoded, direction
      marks dropped, ``#fragment`` ignored, comments invisible. ``{{:Name}}`` is a page
      of the main namespace, ``{{/Name}}`` a subpage. ``{{msg:…}}``, ``{{raw:…}}`` and
      ``{{safesubst:…}}`` transclude the template; ``{{msgnw:…}}`` shows its source and
      ``{{subst:…}}`` stays text when the page is rendered. (Saving a page replaces
      ``subst:`` and ``safesubst:`` by what the template expands to, so a saved revision
      holds them only where saving does not look, e.g. in ``<includeonly>``.)
    - Parameters as ``PPTemplateFrame_Hash`` reads them: names without comments and with
      surrounding whitespace (PHP's ``trim``) removed; of repeated names the last wins;
      positional parameters are not fields; an alias (:data:`ALIASES`) wins whenever it
      is present, even empty, as the template's ``{{{username|{{{user|}}}}}}``.
    - A redirect (the text starts, after whitespace, with a word of ``redirect_words``,
      the wiki's localized ``#REDIRECT`` aliases, case-insensitive, then an optional
      ``:`` and a link) holds no request.
    - Several templates: ``found`` counts them and the values are the first one's, so
      the result does not depend on anything but the text (the page counts for nothing
      until one remains).
    - No complete template but an unclosed one (MediaWiki shows it as text):
      ``lenient``, the values read as if it were closed, so whoever later repairs it is
      not taken for the author of what was typed into it. See :func:`_read_unclosed`.

    Never raises; ``extension_tags`` are the wiki's (siteinfo ``extensiontags``).
    """
    return _read(text, template_title, tuple(redirect_words), frozenset(extension_tags)).read


@dataclasses.dataclass(frozen=True)
class _Reading:
    """What :func:`read_fields` found, with what :func:`parse_request` needs besides."""

    read: FieldRead
    redirect: bool = False
    users: tuple[str | None, ...] = ()  # ``user`` of every request template, nested too


def _read(text: str, template_title: str, redirect_words: tuple[str, ...],
          extension_tags: frozenset[str]) -> _Reading:
    if _is_redirect(text, redirect_words):
        return _Reading(FieldRead({}, 0), redirect=True)
    syntax = _syntax(extension_tags)
    key = _page_key(template_title)
    if key is None:  # not a valid title: nothing can transclude it
        return _Reading(FieldRead({}, 0))
    name = key.replace('_', ' ')

    @functools.cache
    def ours(title: tuple[_Node, ...]) -> bool:
        plain = _plain(title)
        if plain is None:  # built by a template: known only when a fragment hides that
            plain = _before_fragment(title)
        return plain is not None and _invocation_key(plain) == key

    def is_ours(title: list[_Node]) -> bool:
        return ours(tuple(title))

    root, unclosed = _preprocess(text, syntax)
    top, nested = _request_templates(root, is_ours, syntax, name)
    if top:
        values, unknown = _fields(top[0])
        users = (values.get('user'),) + tuple(
            None if brace is None else _fields(brace)[0].get('user')
            for brace in top[1:] + nested)
        return _Reading(FieldRead(values, len(top), unknown=unknown, nested=bool(nested)),
                        users=users)
    users = tuple(None if brace is None else _fields(brace)[0].get('user') for brace in nested)
    start = next((piece.start + piece.count - 2 for piece in unclosed
                  if piece.open == '{' and piece.count >= 2 and is_ours(piece.parts[0].out)),
                 None)
    if start is None:
        return _Reading(FieldRead({}, 0, nested=bool(nested)), users=users)
    values, unknown = _read_unclosed(text[start:], syntax)
    return _Reading(FieldRead(values, 0, lenient=True, unknown=unknown, nested=bool(nested)),
                    users=users)


def _read_unclosed(tail: str, syntax: _Syntax) -> tuple[dict[str, str], tuple[str, ...]]:
    """The fields of the unclosed request template that starts ``tail``, read leniently.

    MediaWiki shows such a template as text, so no reading is right; this one guesses
    what the author meant, in the block format the preload and the form write. It reads
    as MediaWiki would with ``}}`` added at the end, except that a line starting with
    ``| field =`` (a known field or alias) always starts a parameter of the request,
    closing whatever a stray ``{{``, ``[[`` or unclosed template in the value before it
    left open; and that the last parameter's value ends with its line (the rest is the
    page's own text), without a ``}`` left from a ``}}`` missing one brace.
    """
    root, unclosed = _preprocess(tail, syntax, recover=_RECOVER)
    if root and isinstance(root[0], _Brace):  # closed after a recovery
        return _fields(root[0])
    if not unclosed:  # cannot happen: the tail starts with the open template
        return {}, ()
    request = unclosed[0]
    for piece in unclosed[1:]:  # MediaWiki would show these as text, inside the value
        request.parts[-1].out.extend(piece.break_syntax())
    brace = _Brace('template', request.parts[0].out, [part.split() for part in request.parts[1:]],
                   tail, 0, len(tail))
    return _fields(brace, open_end=True)


def _fields(brace: _Brace, open_end: bool = False) -> tuple[dict[str, str], tuple[str, ...]]:
    """A request template's field values and unknown parameter names (see FieldRead)."""
    params: dict[str, list[_Node]] = {}
    unknown: list[str] = []
    index = 0
    for name_nodes, value in brace.parts:
        if name_nodes is None:
            index += 1
            name = str(index)
        else:
            plain = _plain(name_nodes)
            if plain is None or _STRIP_MARKER in plain:
                # Built by a template, argument or parser function, or holding a tag's
                # strip marker: no field name, or one the bot cannot know.
                unknown.append(_source(name_nodes).strip())
                continue
            name = plain.strip(_PHP_TRIM)
        params[name] = value  # of repeated names the last wins
        if name not in _KNOWN:
            unknown.append(name)
    last = brace.parts[-1][1] if open_end and brace.parts else None
    values: dict[str, str] = {}
    for field in FIELDS:
        for alias in _READ_ORDER[field]:
            if alias in params:
                raw = _source(params[alias])
                if params[alias] is last:
                    raw = raw.lstrip().partition('\n')[0].rstrip().removesuffix('}')
                text = _clean(raw)
                if text is not None:
                    values[field] = text
                break
    return values, tuple(unknown)


def _clean(raw: str) -> str | None:
    """A value stripped; ``None`` when empty or only invisible characters (bidi marks,
    zero-width spaces)."""
    visible = ''.join(c for c in raw if unicodedata.category(c) != 'Cf')
    return raw.strip() if visible.strip() else None


_KNOWN = frozenset(FIELDS) | frozenset(ALIASES)
# The names each field is read from, in the template's order of precedence.
_READ_ORDER = {field: tuple(a for a, f in ALIASES.items() if f == field) + (field,)
               for field in FIELDS}
# A line of a broken template that starts one of its parameters (see _read_unclosed).
_RECOVER = re.compile(r'[ \t]*\|[ \t]*(?:{})[ \t]*='.format('|'.join(
    re.escape(name) for name in sorted(_KNOWN, key=len, reverse=True))))


def _request_templates(root: list[_Node], is_ours: Callable[[list[_Node]], bool],
                       syntax: _Syntax, name: str, depth: int = 0,
                       ) -> tuple[list[_Brace], list[_Brace | None]]:
    """The request templates on the page (in order) and those nested anywhere in it,
    or whose name a template builds around the template's name.

    A nested one inside a tag's content that is too deeply nested to look into is
    ``None`` (its values are unknown).
    """
    top: list[_Brace] = []
    nested: list[_Brace | None] = []
    todo: list[tuple[list[_Node], bool]] = [(root, True)]
    while todo:
        nodes, at_top = todo.pop()
        for node in nodes:
            if isinstance(node, _Brace):
                if node.kind == 'template' and is_ours(node.title):
                    if at_top:
                        top.append(node)
                    else:
                        nested.append(node)
                elif node.kind == 'template' and _plain(node.title) is None and _mentions(
                        ''.join(n for n in node.title if isinstance(n, str)), name):
                    # {{Leadership request{{{|}}}|…}}: MediaWiki may well show it.
                    nested.append(node)
                todo.append((node.title, False))
                for part_name, value in node.parts:
                    if part_name is not None:
                        todo.append((part_name, False))
                    todo.append((value, False))
            elif (isinstance(node, _Ext) and node.inner and node.name not in syntax.opaque
                  and _mentions(node.inner, name)):
                # The extension may render its content (<ref>, <poem>): a template in it
                # is not written directly on the page.
                if depth >= 3:
                    nested.append(None)
                    continue
                inner_top, inner_nested = _request_templates(
                    _preprocess(node.inner, syntax)[0], is_ours, syntax, name, depth + 1)
                nested.extend(inner_top)
                nested.extend(inner_nested)
    return top, nested


# -- names as MediaWiki's Title reads them -----------------------------------------------------

_PHP_TRIM = ' \t\n\r\0\x0b'  # what PHP's trim() removes
_PCRE_SPACE = '[ \\t\\n\\x0b\\f\\r]'  # PCRE's \s without the u flag
_ENTITY = re.compile(r'&(?:([A-Za-z][A-Za-z0-9]*)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));')
_BIDI = re.compile('[\u200e\u200f\u202a-\u202e]')
_TITLE_SPACE = re.compile('[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+')
_NAMESPACE = re.compile(r'(.+?)_*:_*(.*)')
_STRIP_MARKER = '\x7f'  # stands for an extension tag's output in a title or name


def _entity(match: re.Match[str]) -> str:
    """An HTML character reference decoded as ``Sanitizer::decodeCharReferences`` does
    (MediaWiki 1.39 knows the HTML5 names)."""
    if match[1]:
        return html.entities.html5.get(match[1] + ';', match[0])
    digits = (match[2] or match[3]).lstrip('0')
    if len(digits) > 8:  # beyond any code point (and Python's int() limit for huge ones)
        return '\ufffd'
    code = int(digits or '0', 10 if match[2] else 16)
    valid = code in (0x09, 0x0a, 0x0d) or 0x20 <= code <= 0xd7ff or 0xe000 <= code <= 0x10ffff
    return chr(code) if valid and code not in (0xfffe, 0xffff) else '\ufffd'


def _page_key(title: str) -> str | None:
    """A page title in the template namespace as a normalized database key
    (``Leadership_request``), or ``None`` when it names a page of another namespace."""
    key = unicodedata.normalize('NFC', _ENTITY.sub(_entity, title))
    key = _TITLE_SPACE.sub('_', _BIDI.sub('', key)).strip('_')
    template = True
    if key.startswith(':'):  # the main namespace, but a namespace prefix may follow
        key, template = key[1:].strip('_'), False
    prefix = _NAMESPACE.fullmatch(key)
    if prefix and prefix[1].lower() == 'template':
        key, template = prefix[2], True
    if not template:
        return None
    key = key.partition('#')[0].rstrip('_')  # a fragment does not change the page
    return key[:1].upper() + key[1:] if key else None


def _invocation_key(title: str) -> str | None:
    """The page ``{{title|…}}`` transcludes when the page is rendered, as a key of
    :func:`_page_key`; ``None`` when it transcludes no template.

    The prefixes in ``braceSubstitution``'s order, matched as its magic words are
    (case-insensitive, Unicode: ``ſubst:`` is ``subst:``).
    """
    title = title.strip(_PHP_TRIM)
    subst = _SUBST.match(title)
    if subst and subst[1] is None:
        return None  # subst: stays text when a page is rendered (saving substitutes it)
    title = title[subst.end():] if subst else title  # safesubst: is a transclusion then
    if _MSGNW.match(title):
        return None  # the template's source, shown as text
    title = _MSG.sub('', title, count=1)
    title = _RAW.sub('', title, count=1)
    if title.startswith('/') or title.startswith('../'):
        return None  # a subpage of the page itself
    return _page_key(title)


_SUBST = re.compile(r'(safe)?subst:', re.I)
_MSGNW = re.compile('msgnw:', re.I)
_MSG = re.compile('^msg:', re.I)
_RAW = re.compile('^raw:', re.I)


def _is_redirect(text: str, words: tuple[str, ...]) -> bool:
    """Whether MediaWiki takes the text for a redirect (``WikitextContent``)."""
    start = text.lstrip(_PHP_TRIM)
    for word in words:
        magic = re.match(re.escape(word), start, re.I) if word else None
        if magic:
            link = _REDIRECT_LINK.match(start, magic.end())
            if link and _valid_target(link[1]):
                return True
    return False


_REDIRECT_LINK = re.compile(f'{_PCRE_SPACE}*:?{_PCRE_SPACE}*\\[\\[(.*?)(?:\\|.*?)?\\]\\]')
_ILLEGAL_IN_TITLE = re.compile('[<>\\[\\]{}|\x00-\x1f\x7f\ufffd]|%[0-9A-Fa-f]{2}')


def _valid_target(target: str) -> bool:
    """Whether a redirect's link names a page (roughly ``Title::newFromText``)."""
    if '%' in target:
        target = urllib.parse.unquote(target.lstrip(':'))
    target = _TITLE_SPACE.sub('_', _ENTITY.sub(_entity, target)).strip('_').lstrip(':')
    target = target.partition('#')[0]
    return bool(target.strip('_')) and not _ILLEGAL_IN_TITLE.search(target)


# -- MediaWiki's preprocessor ------------------------------------------------------------------
#
# A port of Preprocessor_Hash::buildDomTreeArrayFromText (MediaWiki 1.39) for a page
# rendered as itself (not transcluded): it finds comments, <includeonly>/<noinclude>/
# <onlyinclude>, extension tags, headings, and the braces of templates and arguments,
# links and -{ }- in one pass, with MediaWiki's rules for unclosed ones. Comments and
# ignored tags are dropped (they render as nothing); links, -{ }- and headings are kept
# as their text and nodes, since only templates matter here.


@dataclasses.dataclass(slots=True, eq=False)
class _Ext:
    """An extension tag (<nowiki>, <ref> …): opaque to the preprocessor."""

    name: str  # lower case
    source: str
    inner: str | None


@dataclasses.dataclass(slots=True, eq=False)
class _Brace:
    """A template (``{{…}}``) or template argument (``{{{…}}}``)."""

    kind: str  # 'template' or 'tplarg'
    title: list[_Node]
    parts: list[tuple[list[_Node] | None, list[_Node]]]  # (name or None, value) after title
    text: str
    start: int
    end: int

    @property
    def source(self) -> str:
        return self.text[self.start:self.end]


_Node = str | _Ext | _Brace


def _plain(nodes: Iterable[_Node]) -> str | None:
    """The text of a title or name; ``None`` when a template or argument builds it."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _Ext):
            out.append(_STRIP_MARKER)
        else:
            return None
    return ''.join(out)


def _before_fragment(nodes: Iterable[_Node]) -> str | None:
    """A title's text up to a ``#`` written before the first template in it (what
    follows is a fragment, which does not change the page); ``None`` when there is none."""
    text = _plain(itertools.takewhile(lambda node: not isinstance(node, _Brace), nodes)) or ''
    entities = [match.span() for match in _ENTITY.finditer(text)]
    for position, char in enumerate(text):
        if char == '#' and not any(start < position < end for start, end in entities):
            return text[:position]
    return None


def _source(nodes: Iterable[_Node]) -> str:
    """Nodes as written, without the comments and ignored tags at their own level."""
    return ''.join(node if isinstance(node, str) else node.source for node in nodes)


@dataclasses.dataclass(slots=True, eq=False)
class _Part:
    out: list[_Node]
    eqpos: int | None = None  # index of the first top-level '=' in out

    def split(self) -> tuple[list[_Node] | None, list[_Node]]:
        if self.eqpos is None:
            return None, self.out
        return self.out[:self.eqpos], self.out[self.eqpos + 1:]


@dataclasses.dataclass(slots=True, eq=False)
class _Piece:
    """An open bracket (PPDStackElement_Hash): ``{{``, ``[[``, ``-{`` or a heading."""

    open: str
    close: str
    count: int
    start: int  # position of the first opening character
    parts: list[_Part]
    saved_prefix: str = ''

    def break_syntax(self, count: int | None = None) -> list[_Node]:
        """What the piece is when it is not closed: its text, with the nodes inside."""
        if self.open == '\n':
            return [self.saved_prefix, *self.parts[0].out]
        head = self.open[:-1]
        count = self.count if count is None else count
        accum: list[_Node] = [self.saved_prefix + head + self.open[-1] * (count - len(head))]
        for k, part in enumerate(self.parts):
            if k:
                accum.append('|')
            accum.extend(part.out)
        return accum


# open -> (close, names by count, min count, max count)
_RULES: dict[str, tuple[str, dict[int, str | None], int, int]] = {
    '{': ('}', {2: 'template', 3: 'tplarg'}, 2, 3),
    '[': (']', {2: None}, 2, 2),
    '-{': ('}-', {2: None}, 2, 2),  # language conversion (enabled unless a wiki disables it)
}
_IGNORED_TAGS = ('noinclude', '/noinclude', 'onlyinclude', '/onlyinclude')


@dataclasses.dataclass(frozen=True)
class _Syntax:
    """The compiled patterns for one wiki's extension tags."""

    elements: re.Pattern[str]
    opaque: frozenset[str]


@functools.lru_cache(maxsize=8)
def _syntax(extension_tags: frozenset[str]) -> _Syntax:
    tags = sorted({t.strip('<>/ ').lower() for t in extension_tags} | {'includeonly'})
    names = '|'.join(re.escape(name) for name in tags + list(_IGNORED_TAGS))
    return _Syntax(re.compile(f'({names})(?:{_PCRE_SPACE}|/>|>)|(!--)', re.I | re.A),
                   _OPAQUE_TAGS)


@functools.lru_cache(maxsize=64)
def _closing_tag(name: str) -> re.Pattern[str]:
    return re.compile(f'</{re.escape(name)}{_PCRE_SPACE}*>', re.I | re.A)


_SEARCH: dict[tuple[str, bool, bool], re.Pattern[str]] = {}


def _search(closing: str, pipe: bool, equals: bool) -> re.Pattern[str]:
    """Where the preprocessor stops next; a '-' only matters before '{'."""
    chars = '[{<\n' + closing.replace('-', '') + ('|' if pipe else '') + ('=' if equals else '')
    pattern = _SEARCH[closing, pipe, equals] = re.compile(f'[{re.escape(chars)}]|-\\{{')
    return pattern


_RUNS = {c: re.compile(re.escape(c) + '*') for c in '{}[]='}
_BLANKS = re.compile('[ \t]*')


def _blanks_end(text: str, i: int) -> int:
    """Where the spaces and tabs from ``i`` end."""
    match = _BLANKS.match(text, i)
    return match.end() if match else i


def _run(text: str, i: int, char: str, limit: int | None = None) -> int:
    """How many ``char`` follow from ``i`` (at most ``limit``): PHP's strspn."""
    end = len(text) if limit is None else min(len(text), i + limit)
    match = _RUNS[char].match(text, i, end)
    return match.end() - i if match else 0


def _flags(stack: list[_Piece], root: list[_Node]) -> tuple[list[_Node], bool, bool, bool]:
    """The accumulator and search flags for the top of the stack (PPDStack::getFlags)."""
    if not stack:
        return root, False, False, False
    top = stack[-1]
    pipe = top.open not in ('\n', '[')
    equals = pipe and len(top.parts) > 1 and top.parts[-1].eqpos is None
    return top.parts[-1].out, pipe, equals, top.open == '\n'


def _preprocess(text: str, syntax: _Syntax, recover: re.Pattern[str] | None = None,
                ) -> tuple[list[_Node], list[_Piece]]:
    """The page's nodes, and the brackets still open at its end (already broken into text
    in the nodes). With ``recover`` (lenient reading of the template at the start), a line
    matching it closes all brackets above the first, and reading ends when that closes.
    """
    n = len(text)
    root: list[_Node] = []
    stack: list[_Piece] = []
    accum, find_pipe, find_equals, in_heading = root, False, False, False
    no_more_gt = False
    no_more_closing: set[str] = set()
    fake_line_start = True  # a line start at position 0, without a newline
    i = 0
    while True:
        if fake_line_start:
            found, cur = 'line-start', ''
        else:
            closing = stack[-1].close if stack else ''
            search = _SEARCH.get((closing, find_pipe, find_equals)) \
                or _search(closing, find_pipe, find_equals)
            match = search.search(text, i)
            j = match.start() if match else n
            if j > i:
                accum.append(text[i:j])
                i = j
            if i >= n:
                if closing != '\n':
                    break
                found, cur = 'line-end', ''  # finish off a heading
            else:
                cur = text[i]
                two = text[i:i + 2]
                if cur == '|':
                    found = 'pipe'
                elif cur == '=':
                    found = 'equals'
                elif cur == '<':
                    found = 'angle'
                elif cur == '\n':
                    found = 'line-end' if in_heading else 'line-start'
                elif two == closing:
                    found, cur = 'close', two
                elif cur == closing:
                    found = 'close'
                elif two == '-{':
                    found, cur = 'open', two
                elif cur in '{[':
                    found = 'open'
                else:  # a '}' that closes nothing here
                    accum.append(cur)
                    i += 1
                    continue

        if found == 'angle':
            element = syntax.elements.match(text, i + 1)
            if not element:
                accum.append('<')
                i += 1
                continue
            if element[2]:  # a comment
                end = text.find('-->', i + 4)
                if end < 0:  # an unclosed comment runs to the end
                    i = n
                    continue
                # A line holding only comments (and blanks) disappears with its newline.
                ws_start = i
                while ws_start > 0 and text[ws_start - 1] in ' \t':
                    ws_start -= 1
                ws_end = _blanks_end(text, end + 3) - 1
                while text.startswith('<!--', ws_end + 1):
                    more = text.find('-->', ws_end + 4)
                    if more < 0:
                        break
                    ws_end = _blanks_end(text, more + 3) - 1
                if ws_start > 0 and text[ws_start - 1] == '\n' \
                        and text[ws_end + 1:ws_end + 2] == '\n':
                    blanks = text[ws_start:i]
                    if blanks and accum and isinstance(accum[-1], str) \
                            and accum[-1].endswith(blanks):
                        accum[-1] = accum[-1][:-len(blanks)]
                    i = ws_end + 2
                    fake_line_start = True
                else:
                    i = end + 3
                continue
            name = element[1]
            lower = name.lower()
            tag_end = -1 if no_more_gt else text.find('>', i + len(name) + 1)
            if tag_end < 0:
                no_more_gt = True
                accum.append('<')
                i += 1
                continue
            if lower in _IGNORED_TAGS:  # rendered as if the tag were not there
                i = tag_end + 1
                continue
            tag_start = i
            inner: str | None = None
            if text[tag_end - 1] == '/':
                i = tag_end + 1
            else:
                close = None if name in no_more_closing \
                    else _closing_tag(name).search(text, tag_end + 1)
                if close:
                    inner = text[tag_end + 1:close.start()]
                    i = close.end()
                elif name in ('includeonly', 'noinclude', 'onlyinclude'):
                    # These run to the end when unclosed (matched case-sensitively, as
                    # MediaWiki does: an unclosed <INCLUDEONLY> is text).
                    inner = text[tag_end + 1:]
                    i = n
                else:  # no closing tag: the opening tag is text
                    i = tag_end + 1
                    accum.append(text[tag_start:i])
                    no_more_closing.add(name)
                    continue
            if lower != 'includeonly':  # <includeonly>…</includeonly> renders as nothing
                accum.append(_Ext(lower, text[tag_start:i], inner))

        elif found == 'line-start':
            if fake_line_start:
                fake_line_start = False
            else:
                accum.append('\n')
                i += 1
                if recover is not None and len(stack) > 1 and recover.match(text, i):
                    while len(stack) > 1:
                        piece = stack.pop()
                        stack[-1].parts[-1].out.extend(piece.break_syntax())
                    accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            count = _run(text, i, '=', 6) if text.startswith('=', i) else 0
            if count == 1 and find_equals:
                pass  # like a name/value separator: the equals sign is that
            elif count > 0:
                stack.append(_Piece('\n', '\n', count, i, [_Part(['=' * count])]))
                accum, find_pipe, find_equals, in_heading = _flags(stack, root)
                i += count

        elif found == 'line-end':
            piece = stack.pop()
            accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            accum.extend(piece.parts[0].out)  # a heading or not: the same nodes

        elif found == 'open':
            # -{ counts its '-' and every '{' after it
            count = _run(text, i + 1, '{') + 1 if len(cur) > 1 else _run(text, i, cur)
            saved = ''
            if cur == '-{' and count > 2:  # -{{ is - and {{: the rightmost wins
                saved, cur, count = '-', '{', count - 1
                i += 1
            if count >= _RULES[cur][2]:
                stack.append(_Piece(cur, _RULES[cur][0], count, i, [_Part([])], saved))
                accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            else:
                accum.append(saved + cur * count)
            i += count

        elif found == 'close':
            piece = stack[-1]
            count = len(cur) if len(cur) > 1 else _run(text, i, cur, piece.count)
            _, names, minimum, maximum = _RULES[piece.open]
            matching = min(count, maximum)
            while matching > 0 and matching not in names:
                matching -= 1
            if matching <= 0:
                accum.append(text[i:i + count])
                i += count
                continue
            kind = names[matching]
            element_nodes: list[_Node]
            if kind is None:  # a link or -{ }-: just text around its nodes
                element_nodes = piece.break_syntax(matching)
                element_nodes.append(text[i:i + matching])
            else:
                element_nodes = [_Brace(kind, piece.parts[0].out,
                                        [part.split() for part in piece.parts[1:]], text,
                                        piece.start + piece.count - matching, i + matching)]
            i += matching
            stack.pop()
            accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            if matching < piece.count:  # opening characters are left over
                piece.parts = [_Part([])]
                piece.count -= matching
                if piece.count >= _RULES[piece.open][2]:
                    stack.append(piece)
                elif piece.count == 1 and piece.open == '{' and piece.saved_prefix == '-':
                    piece.saved_prefix, piece.open, piece.count, piece.close = '', '-{', 2, '}-'
                    stack.append(piece)
                else:
                    head = piece.open[:-1]
                    accum.append(piece.saved_prefix + head
                                 + piece.open[-1] * (piece.count - len(head)))
                accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            elif piece.saved_prefix:
                accum.append(piece.saved_prefix)
            accum.extend(element_nodes)
            if recover is not None and not stack:
                break  # the template being read leniently is closed

        elif found == 'pipe':
            part = _Part([])
            stack[-1].parts.append(part)
            accum, find_equals = part.out, True
            i += 1

        elif found == 'equals':
            accum.append('=')
            stack[-1].parts[-1].eqpos = len(accum) - 1
            find_equals = False
            i += 1

    unclosed = list(stack)
    for piece in unclosed:
        root.extend(piece.break_syntax())
    return root, unclosed


# -- editing (seeding) -------------------------------------------------------------------------


def template_key(name: str) -> str:
    """Normalize a template name or title for comparison (``Template:`` optional)."""
    name = ' '.join(name.replace('_', ' ').split())
    if name[:9].lower() == 'template:':
        name = name[9:].lstrip()
    return name[:1].upper() + name[1:]


def find_templates(code: Wikicode, template_title: str) -> list[Template]:
    """All transclusions of the request template in the page, nested ones included
    (mwparserfromhell, for editing the page; reading is :func:`read_fields`)."""
    key = template_key(template_title)
    return [t for t in code.filter_templates(recursive=True)
            if template_key(str(t.name).strip()) == key]


def _mentions(text: str, name: str) -> bool:
    """Whether the text seems to try to use the template (spaces and _ alike)."""
    def flat(value: str) -> str:
        return ' '.join(value.replace('_', ' ').split()).lower()
    return flat(name) in flat(text)


def read_status(text: str, template_title: str) -> str:
    """The normalized status of one revision's text.

    Deprecated: kept only until tests/unit/test_fuzz.py reads :func:`read_fields`.
    """
    read = read_fields(text, template_title)
    if read.found != 1 or read.nested:
        return DEFAULT_STATUS
    status = normalize_code(read.values.get('status', ''))
    return status if status in STATUSES else DEFAULT_STATUS


# -- validation --------------------------------------------------------------------------------


def parse_request(page: RequestPage, template_title: str, vocabulary: Vocabulary,
                  redirect_words: Iterable[str] = ('#REDIRECT',), *,
                  extension_tags: Iterable[str] = EXTENSION_TAGS,
                  ) -> tuple[Request | None, list[Problem]]:
    """Read (:func:`read_fields`) and validate (:func:`validate`) the request on one page.

    Returns the request (``None`` when the page holds no usable request) and the
    problems found. A redirect, or a page that does not try to use the template, holds
    no request and has no problem. A template that is not closed, or is not written
    directly on the page, or several request templates (nested ones too: the page may
    show them all) make the page unusable.
    """
    name = template_key(template_title)
    reading = _read(page.text, template_title, tuple(redirect_words),
                    frozenset(extension_tags))
    read = reading.read
    if reading.redirect:
        return None, []
    if not read.found:
        if read.nested:
            return None, [Problem(
                page.title, 'missing-field',
                f'The {{{{{name}}}}} template must be written directly on the page, not '
                'inside another template, a parser function such as {{#if:}} or a tag such '
                'as <ref>, and with its plain name: the bot cannot tell whether the page '
                'shows it.')]
        if _mentions(page.text, name):
            return None, [Problem(page.title, 'missing-field',
                                  f'The page has no readable {{{{{name}}}}} template '
                                  '(is it closed with }}?).')]
        return None, []  # not a request: e.g. a report subpage under the prefix
    if len(reading.users) > 1:
        users = {normalize_username(user or '') for user in reading.users}
        user = users.pop() if len(users) == 1 else None
        return None, [Problem(
            page.title, 'multiple-requests',
            f'The page has {len(reading.users)} request templates; keep one request per page '
            '(move the others to pages of their own). None of them counts until then.', user)]
    return validate(page, read, vocabulary)


def validate(page: RequestPage, read: FieldRead, vocabulary: Vocabulary,
             ) -> tuple[Request | None, list[Problem]]:
    """Validate the fields of one request template as the template checks them.

    Returns the request (``None`` when a required value is missing or invalid) and the
    problems. Invalid optional values are dropped and reported. A parameter name built by
    a template or parser function (``{{lc:USER}} = …``) may set any field, so such a
    request does not count.
    """
    return _Validator(page, read, vocabulary).run()


def _built_name(name: str) -> bool:
    """Whether an unknown parameter name is built by a template, argument or parser
    function (see FieldRead.unknown), so that MediaWiki may read it as any field."""
    return '{{' in name


class _Validator:
    """Validates one template's parameters, collecting problems as it goes."""

    def __init__(self, page: RequestPage, read: FieldRead, vocabulary: Vocabulary) -> None:
        self.page = page
        self.read = read
        self.vocabulary = vocabulary
        self.problems: list[Problem] = []
        self.user: str | None = None

    def problem(self, code: str, message: str) -> None:
        self.problems.append(Problem(self.page.title, code, message, self.user))

    def invalid(self, field: str, raw: str, why: str) -> None:
        self.problem('invalid-value', f'{field}: "{_excerpt(raw)}" is not valid; {why}')

    def run(self) -> tuple[Request | None, list[Problem]]:
        values = {name: self.read.values.get(name) or None for name in FIELDS}
        built = self._check_unknown_parameters()
        raw_user = values['user']
        if raw_user is not None:
            self.user = normalize_username(raw_user)
            if self.user is None:
                self.invalid('user', raw_user, 'give the user name without "User:" or links.')
        for field in REQUIRED_FIELDS:
            if values[field] is None:
                self.problem('missing-field', f'{field} is required but empty or missing.')
        fields: dict[str, object] = {
            'type': self._enum('type', values['type'], self.vocabulary.types),
            'region': self._enum('region', values['region'], self.vocabulary.regions),
            'program': values['program'],
            'program_url': self._url('program_url', values['program_url']),
            'start': self._date('start', values['start']),
            'end': self._date('end', values['end']),
            'location': values['location'],
            'amount': self._amount(values['amount']),
            'currency': self._currency(values['currency']),
            'languages': self._languages('languages', values['languages']),
            'areas': self._codes('areas', values['areas'], self.vocabulary.areas),
            'skills': values['skills'],
            'goals': values['goals'],
            'directory': self._yes_no('directory', values['directory'], None),
            'mentor': self._yes_no('mentor', values['mentor'], None),
            'notices': self._yes_no('notices', values['notices'], True),
            'lang': self._language('lang', values['lang']),
            'status': self._enum('status', values['status'], frozenset(STATUSES))
            or DEFAULT_STATUS,
            'reviewer': self._username('reviewer', values['reviewer']),
            'decision_date': self._date('decision_date', values['decision_date']),
            'report': values['report'],
        }
        if fields['amount'] is not None and values['currency'] is None:
            self.problem('missing-field', 'currency is required when amount is given '
                                          '(an ISO 4217 code such as USD or EUR).')
        start, end = fields['start'], fields['end']
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.problem('date-order', f'end ({end}) is before start ({start}).')
        required_ok = self.user is not None and all(
            fields[f] is not None for f in REQUIRED_FIELDS if f != 'user')
        if not required_ok or built:
            return None, self.problems
        request = Request(page=self.page.title, page_id=self.page.page_id,
                          revid=self.page.revid, updated=self.page.timestamp,
                          user=self.user, **fields)  # type: ignore[arg-type]
        return request, self.problems

    def _check_unknown_parameters(self) -> bool:
        """Report unknown parameters; whether one has a name built by a template."""
        built = False
        for name in self.read.unknown:
            if _built_name(name):
                built = True
                self.problem('invalid-value',
                             f'parameter name "{_excerpt(name)}" is made by a template or '
                             'parser function, so it may set any field; write parameter '
                             'names as plain text. The request does not count until then.')
            else:
                self.problem('invalid-value',
                             f'unknown parameter "{_excerpt(name)}" is ignored (check the '
                             'spelling; the template documentation lists the parameters).')
        return built

    def _enum(self, field: str, raw: str | None, allowed: frozenset[str]) -> str | None:
        if raw is None:
            return None
        code = normalize_code(raw)
        if code in allowed:
            return code
        self.invalid(field, raw, f'use one of: {", ".join(sorted(allowed))}.')
        return None

    def _codes(self, field: str, raw: str | None, allowed: frozenset[str]) -> tuple[str, ...]:
        return self._items(field, raw, normalize_code, allowed,
                           f'use codes from: {", ".join(sorted(allowed))}')

    def _languages(self, field: str, raw: str | None) -> tuple[str, ...]:
        return self._items(field, raw, normalize_language, self.vocabulary.languages,
                           'use language codes such as en, fr, pt-br')

    def _items(self, field: str, raw: str | None, normalize: Callable[[str], str],
               allowed: frozenset[str], hint: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        good: list[str] = []
        for item in split_list(raw):
            code = normalize(item)
            if allowed and code not in allowed:
                self.invalid(field, item, hint + '.')
            elif code not in good:
                good.append(code)
        return tuple(good)

    def _language(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = normalize_language(raw)
        if self.vocabulary.languages and code not in self.vocabulary.languages:
            self.invalid(field, raw, 'use a language code such as en, fr or es.')
            return None
        return code

    def _yes_no(self, field: str, raw: str | None, default: bool | None) -> bool | None:
        if raw is None:
            return default
        code = normalize_code(raw)
        if code in ('yes', 'no'):
            return code == 'yes'
        self.invalid(field, raw, 'use yes or no; until then it counts as no.')
        return False

    def _url(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        if _URL.fullmatch(raw):
            return raw
        self.invalid(field, raw, 'give a web address starting with http:// or https://.')
        return None

    def _date(self, field: str, raw: str | None) -> dt.date | None:
        if raw is None:
            return None
        if _ISO_DATE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.invalid(field, raw, 'write the date as YYYY-MM-DD, e.g. 2026-03-31.')
        return None

    def _amount(self, raw: str | None) -> Decimal | None:
        if raw is None:
            return None
        # A plain number as the template's #expr check reads it: no spaces, no sign but +.
        amount = None
        if _AMOUNT.fullmatch(raw):
            with contextlib.suppress(ArithmeticError):  # an exponent too large for Decimal
                amount = Decimal(raw)
        if amount is None:
            self.invalid('amount', raw, 'give a number of 0 or more such as 1500 or 99.50, '
                                        'without spaces or the currency.')
        return amount

    def _currency(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = raw.strip().upper()
        if len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None:
            return code
        self.invalid('currency', raw, 'use an ISO 4217 code such as USD, EUR or INR.')
        return None

    def _username(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        name = normalize_username(raw)
        if name is None:
            self.invalid(field, raw, 'give a user name without "User:" or links.')
        return name


def _excerpt(value: str) -> str:
    """A bad value shortened for quoting in a message (rendering escapes it)."""
    flat = ' '.join(value.split())
    return flat if len(flat) <= _SHOWN else flat[:_SHOWN - 1] + '…'


def parse_requests(pages: Iterable[RequestPage], template_title: str, vocabulary: Vocabulary,
                   redirect_words: Iterable[str] = ('#REDIRECT',), *,
                   extension_tags: Iterable[str] = EXTENSION_TAGS,
                   ) -> tuple[list[Request], list[Problem]]:
    """Parse many pages; problems of all pages in one list."""
    requests: list[Request] = []
    problems: list[Problem] = []
    words, tags = tuple(redirect_words), frozenset(extension_tags)
    for page in pages:
        request, found = parse_request(page, template_title, vocabulary, words,
                                       extension_tags=tags)
        if request is not None:
            requests.append(request)
        problems.extend(found)
    return requests, problems
