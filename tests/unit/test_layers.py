"""The layers, by import analysis: the pure core reads and writes nothing.

``leadership_bot.core`` must not import pywikibot, requests, sqlite3 or the wiki layer
(nor the tasks or the command line above it), not even for type checking; only
``leadership_bot.wiki`` talks to pywikibot; the product never imports the development
tooling in ``devwiki``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / 'leadership_bot'
CORE_FORBIDDEN = ('pywikibot', 'requests', 'sqlite3', 'urllib.request', 'http', 'socket',
                  'subprocess', 'leadership_bot.wiki', 'leadership_bot.tasks',
                  'leadership_bot.cli', 'devwiki')


def imports(path: Path, text: str | None = None) -> set[str]:
    """Every module ``path`` (or ``text`` as if it were that module) imports, anywhere
    in it: in functions and ``TYPE_CHECKING`` blocks too."""
    found: set[str] = set()
    source = path.read_text(encoding='utf-8') if text is None else text
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                parts = path.relative_to(PACKAGE.parent).with_suffix('').parts[:-node.level]
                base = '.'.join(parts + ((node.module,) if node.module else ()))
            else:
                base = node.module or ''
            found.add(base)
            found.update(f'{base}.{alias.name}' for alias in node.names)
    return found


def modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob('*.py')) if folder else sorted(PACKAGE.rglob('*.py'))


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + '.')


@pytest.mark.parametrize('path', modules('core'), ids=lambda p: p.name)
def test_the_core_imports_no_io_and_no_outer_layer(path: Path) -> None:
    bad = sorted(n for n in imports(path) for f in CORE_FORBIDDEN if under(n, f))
    assert not bad, f'{path.name} imports {bad}'


@pytest.mark.parametrize('path', [p for p in modules('') if 'wiki' not in
                                  p.relative_to(PACKAGE).parts[:-1]], ids=lambda p: p.name)
def test_only_the_wiki_layer_imports_pywikibot(path: Path) -> None:
    assert not [n for n in imports(path) if under(n, 'pywikibot')]


@pytest.mark.parametrize('path', modules(''), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_product_never_imports_development_tooling(path: Path) -> None:
    assert not [n for n in imports(path) if under(n, 'devwiki') or under(n, 'tests')
                or under(n, 'bench')]


def test_the_analysis_sees_imports_in_functions_and_type_checking_blocks() -> None:
    """The checks above notice an import hidden where it is easy to miss."""
    text = ('from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n'
            '    from leadership_bot.wiki.site import Wiki\n'
            'def f():\n    import pywikibot\n    from ..wiki import cache\n')
    seen = imports(PACKAGE / 'core' / 'model.py', text)
    assert {'leadership_bot.wiki.site', 'pywikibot', 'leadership_bot.wiki.cache'} <= seen
