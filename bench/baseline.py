"""The plain pywikibot way of reading the request pages and what the trust rules need.

    PYWIKIBOT_DIR=PWB python -m bench.baseline pagebypage|preload CONFIG

``pagebypage``: list the pages with ``site.allpages(prefix=...)``, then per page
``page.text`` (one request), ``page.contributors()`` (one request: pywikibot compiles it
from the page history) and, for a status other than the default, the history with
content ``page.revisions(content=True)`` (one request). ``preload``: the same, but the
texts come through ``pagegenerators.PreloadingGenerator`` with its default group size.

Both then parse with :func:`bots.parsing.parse_requests` and attribute the statuses with
:func:`bots.trust.attribute_status`, so the CPU part compares with the bot's. The baseline
does less than the bot (no reviewers page, no user existence check, no writes), which
favours it. Prints one JSON line with what it found.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bots.model import Attribution, RequestPage, Revision
from bots.parsing import Vocabulary, parse_requests, read_status
from bots.settings import load_settings
from bots.trust import attribute_status, needs_history

MODES = ('pagebypage', 'preload')
REVIEWERS = frozenset({'Reviewer', 'Admin'})  # what the benchmark wiki's reviewers page says


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
    for page in listing:
        text = page.text
        latest = page.latest_revision
        editors = frozenset(page.contributors())
        title = page.title()
        pages.append(RequestPage(title=title, page_id=page.pageid, revid=latest.revid,
                                 text=text, contributors=editors,
                                 timestamp=latest.timestamp))
        if needs_history(read_status(text, template)):
            histories[title] = [
                Revision(revid=rev.revid, parentid=rev.parentid, user=rev.user,
                         timestamp=rev.timestamp, status=read_status(rev.text or '', template))
                for rev in page.revisions(content=True)]  # newest first
    read = time.perf_counter() - started
    vocabulary = Vocabulary(
        types=frozenset(settings.vocabulary.types), regions=frozenset(settings.vocabulary.regions),
        areas=frozenset(settings.vocabulary.areas),
        languages=frozenset(lang['code'] for lang in site.siteinfo.get('languages', ())))
    requests, problems = parse_requests(pages, template, vocabulary)
    by_page = {r.page: r for r in requests}
    attributions: dict[str, Attribution] = {}
    for title, history in histories.items():
        request = by_page.get(title)
        if request is not None and history:
            result = attribute_status(history, request.user, REVIEWERS, complete=True)
            if result is not None:
                attributions[title] = result
    contributors = {p.title: p.contributors for p in pages}
    unverified = sum(1 for r in requests if r.user not in contributors[r.page])
    print(json.dumps({
        'mode': mode, 'pages': len(pages), 'requests': len(requests),
        'problems': len(problems), 'histories': len(histories),
        'unauthorized': sum(1 for a in attributions.values() if not a.authorized),
        'unverified': unverified, 'read_seconds': round(read, 2),
        'total_seconds': round(time.perf_counter() - started, 2)}))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
