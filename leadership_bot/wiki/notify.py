"""The wiki side of notices: the facts their plan rests on, read in bulk; posting; plurals.

Everything here reads or writes; what to make of it is decided in
:mod:`leadership_bot.core.notify_plan` and :mod:`leadership_bot.core.notices`. The only
pywikibot uses of the ``notify`` task are here: title parsing, its save exceptions
(turned into the reason a notice was not posted) and its plural rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pywikibot
from pywikibot.exceptions import LockedPageError, OtherPageSaveError
from pywikibot.plural import plural_rule

from leadership_bot.core.notices import (
    Exclusion,
    OptOutPage,
    RecipientFacts,
    RedirectFacts,
    TemplatePage,
    bots_calls,
    follow,
    template_call,
)
from leadership_bot.core.notify_plan import Post, TemplateFacts, untrusted
from leadership_bot.wiki.site import MOVE_SLACK, Wiki

# Edit-protection levels only admins may edit at (Meta-Wiki also has 'editprotected').
ADMIN_LEVELS = frozenset({'sysop', 'editprotected'})
CALLS_PER_PARSE = 50  # notice calls expanded together when asking which templates they use


def plural(lang: str, n: int) -> int:
    """The plural form (its index) of ``n`` in ``lang``, by pywikibot's rules
    (``pywikibot.plural``; languages it does not list take English's rule): a
    :data:`leadership_bot.core.messages.Plural`."""
    rule = plural_rule(lang)['plural']
    return int(rule(n)) if callable(rule) else int(rule)


def post(wiki: Wiki, title: str, heading: str, text: str, summary: str,
         marker: str) -> str | None:
    """Add the notice's section to ``title`` (:meth:`Wiki.post_section`); ``None`` once
    the wiki has it, else why the wiki refused it, in the words of the report."""
    try:
        wiki.post_section(title, heading, text, summary, marker)
    except LockedPageError:
        return 'the talk page is protected'
    except OtherPageSaveError as exc:  # pywikibot's own {{bots}} check refused it
        return f'the wiki refused the edit ({exc})'
    return None


def optout_page(wiki: Wiki) -> OptOutPage:
    """The opt-out page: whether it is a redirect, else its history (all of it); the
    admins (who may take a name off it) are the caller's to add."""
    title = wiki.settings.pages.optout
    if wiki.is_redirect(wiki.text(title)):
        return OptOutPage(title, redirect=True)
    return OptOutPage(title, redirect=False, history=tuple(wiki.history(title)),
                      user_namespaces=tuple(wiki.user_namespace_names()))


def recipient_facts(wiki: Wiki, users: Iterable[str],
                    trusted: frozenset[str] = frozenset()) -> dict[str, RecipientFacts]:
    """Everything the skip rules need about each user, read in bulk."""
    users = sorted(set(users))
    settings = wiki.settings
    accounts = wiki.users_info(users)
    category = settings.notify.optout_category
    pages, redirects = wiki.page_facts(
        [f'User talk:{u}' for u in users] + [f'User:{u}' for u in users],
        prop='info|templates|categories', inprop='protection', redirects=1,
        tltemplates='Template:Bots|Template:Nobots', tllimit='max',
        clcategories=category, cllimit='max')
    exclusions = _exclusions(wiki, pages)
    made = redirect_facts(wiki, {u: f'User talk:{u}' for u in users
                                 if f'User talk:{u}' in redirects}, redirects, trusted)
    facts = {}
    for user in users:
        account = accounts.get(user, {'missing': True})
        chain = follow(redirects, f'User talk:{user}')
        talk_page = pages.get(chain[-1], {})
        user_page = pages.get(follow(redirects, f'User:{user}')[-1], {})
        facts[user] = RecipientFacts(
            user=user,
            exists='missing' not in account and 'invalid' not in account,
            block_expiry=account.get('blockexpiry'),
            chain=tuple(chain), target_namespace=talk_page.get('ns'),
            target_redirect='redirect' in talk_page,
            content_model=talk_page.get('contentmodel', 'wikitext'),
            protected=any(p['type'] in ('edit', 'create') and not wiki.may_edit_level(p['level'])
                          for p in talk_page.get('protection', ())),
            exclusions=tuple(exclusions[t] for page in (talk_page, user_page)
                             if (t := page.get('title')) in exclusions),
            in_optout_category=any(page.get('categories') for page in (talk_page, user_page)),
            redirect=made.get(user))
    return facts


def _exclusions(wiki: Wiki, pages: Mapping[str, Mapping[str, Any]]) -> dict[str, Exclusion]:
    """The pages (of ``pages``) that use {{bots}}/{{nobots}}, with their text and, for
    those that do not call them themselves, the calls in the templates they use."""
    using = [t for t, p in pages.items() if p.get('templates')]
    if not using:
        return {}
    texts = wiki.texts(using)
    indirect = [t for t in using if not bots_calls(texts.get(t, ''))]
    calls: dict[str, tuple[str, ...]] = {}
    if indirect:
        used, _ = wiki.page_facts(indirect, prop='templates', tlnamespace=10, tllimit='max')
        wrappers = {t['title'] for page in used.values() for t in page.get('templates', ())}
        wrapper_calls = {title: bots_calls(text)
                         for title, text in wiki.texts(wrappers).items()}
        calls = {title: tuple(c for t in used.get(title, {}).get('templates', ())
                              for c in wrapper_calls.get(t['title'], ()))
                 for title in indirect}
    return {t: Exclusion(t, texts.get(t, ''), calls.get(t, ())) for t in using}


def _close(one: str | None, other: str | None) -> bool:
    """Whether two API timestamps are at most MOVE_SLACK seconds apart (a move's log entry
    may be written a second after the redirect it leaves)."""
    if not one or not other:
        return False
    times = [dt.datetime.fromisoformat(t.replace('Z', '+00:00')) for t in (one, other)]
    return abs((times[0] - times[1]).total_seconds()) <= MOVE_SLACK


def redirect_facts(wiki: Wiki, talk_pages: Mapping[str, str], redirects: Mapping[str, str],
                   trusted: frozenset[str] = frozenset()) -> dict[str, RedirectFacts]:
    """User -> who made their talk page (``talk_pages``: user -> title) the redirect it is.

    A redirect left by a move is a new page whose only revision has the move's time:
    the move log must show that move, to the redirect's target (renames log their page
    moves there too). Few talk pages redirect, so the logs are read page by page.
    """
    if not talk_pages:
        return {}
    pages, _ = wiki.page_facts(talk_pages.values(), prop='revisions',
                               rvprop='ids|user|timestamp')
    owners = {user: _talk_page_owner(wiki, redirects[title])
              for user, title in talk_pages.items()}
    accounts = wiki.users_info({o for o in owners.values() if o})
    facts: dict[str, RedirectFacts] = {}
    for user, title in talk_pages.items():
        target, owner = redirects[title], owners[user]
        account = accounts.get(owner or '', {'missing': True})
        exists = 'missing' not in account and 'invalid' not in account
        revision = (pages.get(title, {}).get('revisions') or [{}])[0]
        made_by = None if 'userhidden' in revision else revision.get('user')
        moved_by: str | None = None
        if exists and int(revision.get('parentid', -1)) == 0:
            for entry in wiki.log_events(title, 'move'):
                if _close(entry.get('timestamp'), revision.get('timestamp')) and \
                        _move_target(entry) == target:
                    moved_by = '' if 'userhidden' in entry else str(entry.get('user', ''))
                    break
        # A move by someone else counts when it was part of renaming the user (on
        # Meta-Wiki, global renamers move the pages; they need not be admins here).
        renamed = moved_by not in (None, user, *trusted) and bool(owner) and any(
            entry.get('type') == 'renameuser'
            and entry.get('params', {}).get('olduser') == user
            and entry.get('params', {}).get('newuser') == owner
            for entry in wiki.log_events(f'User:{user}'))
        facts[user] = RedirectFacts(source=title, target=target, owner_exists=exists,
                                    made_by=made_by, moved_by=moved_by,
                                    renamed_to_target=renamed)
    return facts


def _talk_page_owner(wiki: Wiki, title: str) -> str | None:
    """The user whose talk page ``title`` is (not a subpage), else ``None``."""
    page = pywikibot.Page(wiki.site, title)
    name = page.title(with_ns=False)
    return name if page.namespace() == 3 and '/' not in name else None


def _move_target(entry: Mapping[str, Any]) -> str | None:
    """Where a move log entry moved its page (MediaWiki 1.25+ ``params``, or older)."""
    params = entry.get('params') or entry.get('move') or {}
    return params.get('target_title') or params.get('new_title')


def translations(wiki: Wiki, langs: Iterable[str]) -> frozenset[str]:
    """Languages with a translation subpage of the notice template."""
    template = wiki.settings.pages.notice_template
    titles = {f'{template}/{lang}': lang for lang in langs}
    pages, _ = wiki.page_facts(titles, prop='info')
    return frozenset(titles[t] for t, p in pages.items() if 'missing' not in p and t in titles)


# -- the pages the notice text comes from ------------------------------------------------------


def template_facts(wiki: Wiki, posts: Sequence[Post],
                   trusted: frozenset[str]) -> TemplateFacts:
    """Which templates (and modules) each post's text is substituted from, and those pages.

    The wiki says which pages a call reads: the calls are expanded together, and only
    when one of the pages they read is untrusted, one by one, to find the notices that
    read it.
    """
    template = wiki.settings.pages.notice_template
    if not posts:
        return TemplateFacts((), {}, {})

    def call(post: Post) -> str:
        available = {post.lang} if post.lang else set()
        return template_call(post.notice, template, available, subst=False)

    chunks = [list(posts[i:i + CALLS_PER_PARSE]) for i in range(0, len(posts), CALLS_PER_PARSE)]
    used = [wiki.templates_used('\n'.join(call(p) for p in chunk), chunk[0].target)
            for chunk in chunks]
    pages, state = template_pages(wiki, set().union(*used))
    bad = untrusted(pages, trusted)
    uses: list[frozenset[str]] = []
    for chunk, chunk_used in zip(chunks, used, strict=True):
        if not chunk_used & bad:
            uses.extend(frozenset(chunk_used) for _ in chunk)
            continue
        for one in chunk:
            mine = chunk_used if len(chunk) == 1 else wiki.templates_used(call(one),
                                                                          one.target)
            if new := mine - pages.keys():  # the wiki changed since the batch: vet those too
                more, more_state = template_pages(wiki, new)
                pages.update(more)
                state.update(more_state)
                bad |= untrusted(more, trusted)
            uses.append(frozenset(mine))
    return TemplateFacts(tuple(uses), pages, state)


def template_pages(wiki: Wiki, titles: Iterable[str]) -> tuple[
        dict[str, TemplatePage], dict[str, tuple[int, bool]]]:
    """Latest revision, its author and admin-only edit protection of each page (also by
    cascading protection, which MediaWiki lists with its source), in bulk."""
    titles = set(titles)
    pages, _ = wiki.page_facts(titles, prop='info|revisions', inprop='protection',
                               rvprop='ids|user')
    facts: dict[str, TemplatePage] = {}
    state: dict[str, tuple[int, bool]] = {}
    for title in titles:
        page = pages.get(title, {'missing': True})
        revision = (page.get('revisions') or [{}])[0]
        state[title] = _page_state(page)
        facts[title] = TemplatePage(
            title=title, revid=state[title][0],
            user=None if 'userhidden' in revision else revision.get('user'),
            protected=state[title][1])
    return facts, state


def _page_state(page: Mapping[str, Any]) -> tuple[int, bool]:
    """(latest revision id or 0, whether only admins may edit it) of a prop=info page."""
    revid = 0 if 'missing' in page else int(page.get('lastrevid', 0))
    protected = any(rule.get('type') == 'edit' and rule.get('level') in ADMIN_LEVELS
                    for rule in page.get('protection', ()))
    return revid, protected


def template_state(wiki: Wiki, state: Mapping[str, tuple[int, bool]]) -> dict[
        str, tuple[int, bool]]:
    """The vetted pages' state now (one prop=info request), to compare before a post."""
    pages, _ = wiki.page_facts(state, prop='info', inprop='protection')
    return {title: _page_state(pages.get(title, {'missing': True})) for title in state}
