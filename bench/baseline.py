"""The plain pywikibot way of reading the request pages and what the trust rules need.

    PYWIKIBOT_DIR=PWB python -m bench.baseline pagebypage|preload CONFIG

``pagebypage``: list the pages with ``site.allpages(prefix=...)``, then per page
``page.text`` (one request) and the whole history with content,
``page.revisions(content=True)`` (one request), which the trust rules need.
``preload``: the same, but the texts come through
``pagegenerators.PreloadingGenerator`` with its default group size.

Both then parse with :func:`parse_requests` (the parser over every page) and judge each history with
:func:`leadership_bot.core.trust.judge`, so the CPU part compares with the bot's. The baseline does
less than the bot (no reviewers page history, no moves, no user existence check, no
writes), which favours it. Prints one JSON line with what it found.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from leadership_bot.core.model import Problem, Request, RequestPage, Revision
from leadership_bot.core.parsing import EXTENSION_TAGS, Vocabulary, parse_request
from leadership_bot.core.requests import Syntax, revision_values
from leadership_bot.core.settings import load_settings
from leadership_bot.core.trust import ReviewerList, judge

MODES = ('pagebypage', 'preload')
# What the benchmark wiki's reviewers page says, for all time.
REVIEWERS = ReviewerList((), (), frozenset({'Reviewer', 'Admin'}))



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


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in MODES:
        print(f'usage: python -m bench.baseline {"|".join(MODES)} CONFIG', file=sys.stderr)
        return 2
    mode, config_file = args
    settings = load_settings(config_file)
    sys.argv[1:] = []  # pywikibot reads sys.argv when imported
    import pywikibot
    from pywikibot import pagegenerators

    started = time.perf_counter()
    site = pywikibot.Site()
    site.login()
    template = settings.pages.request_template
    sample = pywikibot.Page(site, settings.pages.request_prefix + 'x')
    listing: Iterable[Any] = site.allpages(prefix=sample.title(with_ns=False)[:-1],
                                           namespace=sample.namespace().id)
    if mode == 'preload':
        listing = pagegenerators.PreloadingGenerator(listing)
    pages: list[RequestPage] = []
    histories: dict[str, list[Revision]] = {}
    syntax = Syntax(template)
    for page in listing:
        text = page.text
        latest = page.latest_revision
        title = page.title()
        pages.append(RequestPage(title=title, page_id=page.pageid, revid=latest.revid,
                                 text=text, timestamp=latest.timestamp))
        histories[title] = [
            Revision(revid=rev.revid, parentid=rev.parentid, user=rev.user,
                     timestamp=rev.timestamp,
                     values=revision_values(rev.text, True, syntax))
            for rev in page.revisions(content=True, reverse=True)]  # oldest first
    read = time.perf_counter() - started
    vocabulary = Vocabulary(
        types=frozenset(settings.vocabulary.types), regions=frozenset(settings.vocabulary.regions),
        areas=frozenset(settings.vocabulary.areas),
        languages=frozenset(lang['code'] for lang in site.siteinfo.get('languages', ())))
    requests, problems = parse_requests(pages, template, vocabulary)
    verdicts = [judge(title, history, REVIEWERS) for title, history in histories.items()]
    print(json.dumps({
        'mode': mode, 'pages': len(pages), 'requests': len(requests),
        'problems': len(problems), 'histories': len(histories),
        'unauthorized': sum(1 for v in verdicts if v.problems),
        'unverified': sum(1 for v in verdicts if v.values and not v.consented),
        'read_seconds': round(read, 2),
        'total_seconds': round(time.perf_counter() - started, 2)}))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
