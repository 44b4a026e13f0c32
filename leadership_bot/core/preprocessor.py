"""A port of MediaWiki's preprocessor and title rules (MediaWiki 1.39): wikitext read the way
MediaWiki reads it before rendering a page.

- :func:`preprocess` follows ``Preprocessor_Hash::buildDomTreeArrayFromText`` for a page
  rendered as itself (not transcluded), with its stack (``PPDStack_Hash``; an open bracket
  is a :class:`Piece`, as ``PPDStackElement_Hash``, its parts :class:`Part`, as
  ``PPDPart_Hash``). In one pass it finds comments, ``<includeonly>``/``<noinclude>``/
  ``<onlyinclude>``, extension tags (:class:`Ext`), headings, and the braces of templates
  and template arguments (:class:`Brace`), links and ``-{ }-``, with MediaWiki's rules for
  unclosed ones. :func:`compile_syntax` compiles a wiki's extension tags for it.
- :func:`page_key` reads a template name as ``Title::newFromText`` does (entities decoded
  and NFC by ``Sanitizer::decodeCharReferencesAndNormalize``, then
  ``MediaWikiTitleCodec::splitTitleString``); :func:`invocation_key` reads the prefixes of
  ``{{…}}`` (``subst:``, ``safesubst:``, ``msgnw:``, ``msg:``, ``raw:``, subpages) as
  ``Parser::braceSubstitution`` does.
- :func:`is_redirect` follows ``WikitextContent::getRedirectTargetAndText``.

Why not a general wikitext parser such as mwparserfromhell: it and MediaWiki disagree exactly
where a vandal would look. An unclosed ``<!--`` or ``<includeonly>`` hides the rest of the
page, ``{{ |`` or an unclosed ``[[`` inside a template swallow its ``}}``, ``<pre\\n>`` is a
tag, and a parameter name may be built by a parser function (``{{lc:USER}} = Victim``).

Pure: no wiki access, and nothing about the request template; :mod:`leadership_bot.core.parsing`
reads the
request from these nodes.
"""

from __future__ import annotations

import dataclasses
import functools
import html.entities
import itertools
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable

from leadership_bot.core.normalize import first_upper

# -- names as MediaWiki's Title reads them -----------------------------------------------------

PHP_TRIM = ' \t\n\r\0\x0b'  # what PHP's trim() removes
_PCRE_SPACE = '[ \\t\\n\\x0b\\f\\r]'  # PCRE's \s without the u flag
_ENTITY = re.compile(r'&(?:([A-Za-z][A-Za-z0-9]*)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));')
_BIDI = re.compile('[\u200e\u200f\u202a-\u202e]')
_TITLE_SPACE = re.compile('[ _\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+')
_NAMESPACE = re.compile(r'(.+?)_*:_*(.*)')
STRIP_MARKER = '\x7f'  # stands for an extension tag's output in a title or name


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


def page_key(title: str) -> str | None:
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
    return first_upper(key) if key else None


def invocation_key(title: str) -> str | None:
    """The page ``{{title|…}}`` transcludes when the page is rendered, as a key of
    :func:`page_key`; ``None`` when it transcludes no template.

    The prefixes in ``braceSubstitution``'s order, matched as its magic words are
    (case-insensitive, Unicode: ``ſubst:`` is ``subst:``).
    """
    title = title.strip(PHP_TRIM)
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
    return page_key(title)


_SUBST = re.compile(r'(safe)?subst:', re.I)
_MSGNW = re.compile('msgnw:', re.I)
_MSG = re.compile('^msg:', re.I)
_RAW = re.compile('^raw:', re.I)


def is_redirect(text: str, words: tuple[str, ...]) -> bool:
    """Whether MediaWiki takes the text for a redirect (``WikitextContent``)."""
    start = text.lstrip(PHP_TRIM)
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
class Ext:
    """An extension tag (<nowiki>, <ref> …): opaque to the preprocessor."""

    name: str  # lower case
    source: str
    inner: str | None


@dataclasses.dataclass(slots=True, eq=False)
class Brace:
    """A template (``{{…}}``) or template argument (``{{{…}}}``)."""

    kind: str  # 'template' or 'tplarg'
    title: list[Node]
    parts: list[tuple[list[Node] | None, list[Node]]]  # (name or None, value) after title
    text: str
    start: int
    end: int

    @property
    def source(self) -> str:
        return self.text[self.start:self.end]


Node = str | Ext | Brace


def plain_text(nodes: Iterable[Node]) -> str | None:
    """The text of a title or name; ``None`` when a template or argument builds it."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Ext):
            out.append(STRIP_MARKER)
        else:
            return None
    return ''.join(out)


def before_fragment(nodes: Iterable[Node]) -> str | None:
    """A title's text up to a ``#`` written before the first template in it (what
    follows is a fragment, which does not change the page); ``None`` when there is none."""
    text = plain_text(itertools.takewhile(lambda node: not isinstance(node, Brace), nodes)) or ''
    entities = [match.span() for match in _ENTITY.finditer(text)]
    for position, char in enumerate(text):
        if char == '#' and not any(start < position < end for start, end in entities):
            return text[:position]
    return None


def source_text(nodes: Iterable[Node]) -> str:
    """Nodes as written, without the comments and ignored tags at their own level."""
    return ''.join(node if isinstance(node, str) else node.source for node in nodes)


@dataclasses.dataclass(slots=True, eq=False)
class Part:
    """One part of an open bracket (PPDPart_Hash): its title, or a parameter after a ``|``."""

    out: list[Node]
    eqpos: int | None = None  # index of the first top-level '=' in out

    def split(self) -> tuple[list[Node] | None, list[Node]]:
        """The part as (name, value); the name is ``None`` for a positional one."""
        if self.eqpos is None:
            return None, self.out
        return self.out[:self.eqpos], self.out[self.eqpos + 1:]


@dataclasses.dataclass(slots=True, eq=False)
class Piece:
    """An open bracket (PPDStackElement_Hash): ``{{``, ``[[``, ``-{`` or a heading."""

    open: str
    close: str
    count: int
    start: int  # position of the first opening character
    parts: list[Part]
    saved_prefix: str = ''

    def break_syntax(self, count: int | None = None) -> list[Node]:
        """What the piece is when it is not closed: its text, with the nodes inside."""
        if self.open == '\n':
            return [self.saved_prefix, *self.parts[0].out]
        head = self.open[:-1]
        count = self.count if count is None else count
        accum: list[Node] = [self.saved_prefix + head + self.open[-1] * (count - len(head))]
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


@dataclasses.dataclass(frozen=True)
class Syntax:
    """The compiled patterns for one wiki's extension tags."""

    elements: re.Pattern[str]
    opaque: frozenset[str]


@functools.lru_cache(maxsize=8)
def compile_syntax(extension_tags: frozenset[str]) -> Syntax:
    tags = sorted({t.strip('<>/ ').lower() for t in extension_tags} | {'includeonly'})
    names = '|'.join(re.escape(name) for name in tags + list(_IGNORED_TAGS))
    return Syntax(re.compile(f'({names})(?:{_PCRE_SPACE}|/>|>)|(!--)', re.I | re.A),
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


def _flags(stack: list[Piece], root: list[Node]) -> tuple[list[Node], bool, bool, bool]:
    """The accumulator and search flags for the top of the stack (PPDStack_Hash::getFlags)."""
    if not stack:
        return root, False, False, False
    top = stack[-1]
    pipe = top.open not in ('\n', '[')
    equals = pipe and len(top.parts) > 1 and top.parts[-1].eqpos is None
    return top.parts[-1].out, pipe, equals, top.open == '\n'


def preprocess(text: str, syntax: Syntax, recover: re.Pattern[str] | None = None,
                ) -> tuple[list[Node], list[Piece]]:
    """The page's nodes, and the brackets still open at its end (already broken into text
    in the nodes). With ``recover`` (lenient reading of the template at the start), a line
    matching it closes all brackets above the first, and reading ends when that closes.
    """
    n = len(text)
    root: list[Node] = []
    stack: list[Piece] = []
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
                accum.append(Ext(lower, text[tag_start:i], inner))

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
                stack.append(Piece('\n', '\n', count, i, [Part(['=' * count])]))
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
                stack.append(Piece(cur, _RULES[cur][0], count, i, [Part([])], saved))
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
            element_nodes: list[Node]
            if kind is None:  # a link or -{ }-: just text around its nodes
                element_nodes = piece.break_syntax(matching)
                element_nodes.append(text[i:i + matching])
            else:
                element_nodes = [Brace(kind, piece.parts[0].out,
                                        [part.split() for part in piece.parts[1:]], text,
                                        piece.start + piece.count - matching, i + matching)]
            i += matching
            stack.pop()
            accum, find_pipe, find_equals, in_heading = _flags(stack, root)
            if matching < piece.count:  # opening characters are left over
                piece.parts = [Part([])]
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
            part = Part([])
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
