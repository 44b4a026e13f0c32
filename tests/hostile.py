"""Hostile values a volunteer could type, and what a reader should see of them.

Shared by the tests that feed free text (skills, program names, problem messages,
language names) through :func:`leadership_bot.core.rendering.plain` into generated wikitext.
"""

from __future__ import annotations

import unicodedata

# Each value is markup somewhere: wikitext, HTML, the pre-save transform, the table
# syntax, the language converter, or text that reorders, hides or overflows.
HOSTILE: list[str] = [
    # table syntax: a new cell, header cell, row or table
    'a|b',
    '||x',
    '!! y',
    '{|\n|x\n|}',
    '|-',
    '|}',
    # templates, parameters, parser functions
    '{{Foo}}',
    '{{subst:Foo}}',
    '{{subst:Subst_me_not}}',
    '{{{1}}}',
    '{{#if:1|x}}',
    # links and categories
    '[[Category:Spam]]',
    '[[:Category:Spam]]',
    '[[Main Page]]',
    '[https://evil.example x]',
    'https://evil.example/path',
    '//evil.example',
    '#REDIRECT [[Main Page]]',
    # HTML, comments, nowiki
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<b>bold</b>',
    '<!-- hidden -->',
    '<nowiki>',
    '</nowiki>',
    '&lt;script&gt;',
    '&amp;',
    # pre-save transform: signatures
    '~~~~',
    '~~~~~',
    # magic words, formatting, block syntax
    '__NOTOC__',
    '__NOINDEX__',
    "''italic''",
    "'''bold'''",
    '== Heading ==',
    '\n* list\n# item\n; dt : dd',
    '-{zh-hans:x}-',
    # magic links (off by default since MediaWiki 1.28, must stay text either way)
    'ISBN 9780306406157',
    'RFC 1234',
    # invisible characters: bidi overrides, marks, zero-width space
    '\u202eevil\u202c',
    '\u200f',
    '\u200b',
    'Ngozi\u200b \u2067Okafor\u2069\t\r\n',
    # length and scripts
    'x' * 5000,
    '\U0001F600' * 300,
    'Łukasz',
    'أحمد',
]


def expected_text(value: str, limit: int) -> str:
    """What a reader should see of ``value`` in a cell limited to ``limit`` characters.

    Invisible format characters (bidi controls, zero-width) are dropped, control
    characters count as white space, runs of white space become one space, the ends
    are stripped, and text longer than ``limit`` is cut to ``limit - 1`` characters
    (then stripped again) followed by ``…``.
    """
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == 'Cf':
            continue
        kept.append(' ' if category == 'Cc' else char)
    text = ' '.join(''.join(kept).split())
    if len(text) > limit:
        text = text[:limit - 1].rstrip() + '…'
    return text
