"""``install-templates``: publish ``templates_wikitext/`` to the wiki; unchanged pages stay.

Besides the files, it creates the tracking categories the request template adds (one
per region of the vocabulary), so no request page shows a red category link.
"""

from __future__ import annotations

import sys

from leadership_bot.core.blocks import replacement
from leadership_bot.core.model import SaveOutcome
from leadership_bot.core.publishing import TemplateFilesError, template_pages
from leadership_bot.wiki.site import Wiki, info

CHANGED = (SaveOutcome.SAVED, SaveOutcome.SIMULATED)


def summary_for(old: str | None, new: str) -> str:
    """Edit summary saying what changed, in lines."""
    if old is None:
        return f'leadership-bot: create from templates_wikitext ({len(new.splitlines())} lines)'
    old_lines, new_lines = old.splitlines(), new.splitlines()
    added = sum(1 for line in new_lines if line not in set(old_lines))
    removed = sum(1 for line in old_lines if line not in set(new_lines))
    return f'leadership-bot: update from templates_wikitext (+{added} −{removed} lines)'


def run(wiki: Wiki) -> int:
    """Publish every template page; returns the exit code.

    Nothing to publish is a failure (exit 1), not a quiet success: it means the package
    was installed without its template files.
    """
    try:
        pages = template_pages(wiki.settings)
    except TemplateFilesError as exc:
        print(f'leadership-bot: failed: install-templates: {exc}', file=sys.stderr)
        return 1
    changed = 0
    for title, text in pages.items():
        if wiki.save(title, replacement(text), summary_for) in CHANGED:
            changed += 1
    info(f'install-templates: {changed} of {len(pages)} pages changed')
    return 0
