"""``install-templates``: publish ``templates_wikitext/`` to the wiki; unchanged pages stay."""

from __future__ import annotations

from bots.publishing import template_pages
from bots.regions import replacement
from bots.wiki import Wiki, info


def summary_for(old: str | None, new: str) -> str:
    """Edit summary saying what changed, in lines."""
    if old is None:
        return f'leadership-bot: create from templates_wikitext ({len(new.splitlines())} lines)'
    old_lines, new_lines = old.splitlines(), new.splitlines()
    added = sum(1 for line in new_lines if line not in set(old_lines))
    removed = sum(1 for line in old_lines if line not in set(new_lines))
    return f'leadership-bot: update from templates_wikitext (+{added} −{removed} lines)'


def run(wiki: Wiki) -> int:
    """Publish every template page; returns the exit code."""
    pages = template_pages(wiki.settings)
    changed = 0
    for title, text in pages.items():
        if wiki.save(title, replacement(text), summary_for):
            changed += 1
    info(f'install-templates: {changed} of {len(pages)} pages changed')
    return 0
