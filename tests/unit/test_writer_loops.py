"""The writer's retry, conflict and lost-answer loops, on the in-process fake wiki.

A real server cannot conflict, edit in the same second or lose an answer on demand;
tests/fakewiki.py can. tests/integration/test_faults.py covers the faults a proxy in
front of the real wiki can make.
"""

from __future__ import annotations

from typing import Any, cast

import pytest
from pywikibot import config

from leadership_bot.core.model import SaveOutcome
from leadership_bot.core.settings import Settings
from leadership_bot.wiki.site import Wiki
from tests.fakewiki import HUMAN, FakeWiki

TITLE = 'Leadership network/Directory'
TALK = 'User talk:Ngozi Okafor'
LINE = '\n<!-- bot line -->'
MARKER = '<!-- leadership-bot notice listed:u1 -->'


def add_line(old: str | None) -> str:
    """A pure change: the same line added to whatever the page says."""
    return (old or '') + LINE


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeWiki:
    wiki = FakeWiki()
    wiki.install(monkeypatch)
    monkeypatch.setattr(config, 'simulate', False)
    monkeypatch.setattr(config, 'max_retries', 2)
    monkeypatch.setattr(config, 'retry_wait', 0)
    return wiki


@pytest.fixture
def wiki(fake: FakeWiki) -> Wiki:
    return Wiki(cast(Any, fake.site), Settings())


def test_a_plain_save_saves_once(fake: FakeWiki, wiki: Wiki) -> None:
    fake.edit(TITLE, 'Intro')
    assert wiki.save(TITLE, add_line, 'update') is SaveOutcome.SAVED
    assert fake.text(TITLE) == 'Intro' + LINE
    assert len(fake.saves(TITLE)) == 1
    assert wiki.saved[TITLE] == fake.pages[TITLE][-1].revid


def test_a_conflict_then_success_reapplies_on_the_humans_text(fake: FakeWiki,
                                                              wiki: Wiki) -> None:
    fake.edit(TITLE, 'Intro')
    fake.conflict(TITLE, 'Intro, improved by a human')
    assert wiki.save(TITLE, add_line, 'update') is SaveOutcome.SAVED
    assert fake.text(TITLE) == 'Intro, improved by a human' + LINE
    assert [r.user for r in fake.pages[TITLE]] == [HUMAN, HUMAN, 'LeadershipBot']
    assert len(fake.saves(TITLE)) == 2
    assert wiki.saved[TITLE] == fake.pages[TITLE][-1].revid
    assert TITLE not in wiki.failed
    assert wiki.outcomes[SaveOutcome.SAVED] == 1


def test_three_conflicts_give_up_and_report_the_page(fake: FakeWiki, wiki: Wiki) -> None:
    fake.edit(TITLE, 'Intro')
    fake.conflict(TITLE, 'human 1', 'human 2', 'human 3')
    assert wiki.save(TITLE, add_line, 'update') is SaveOutcome.CONFLICTED
    assert TITLE in wiki.failed
    assert TITLE not in wiki.saved
    assert fake.text(TITLE) == 'human 3'  # the humans' text, nothing of the bot
    assert all(r.user == HUMAN for r in fake.pages[TITLE])
    assert len(fake.saves(TITLE)) == 3
    assert wiki.outcomes[SaveOutcome.CONFLICTED] == 1


def test_a_same_second_human_edit_is_kept_and_the_change_reapplied(fake: FakeWiki,
                                                                   wiki: Wiki) -> None:
    """The wiki does not see the conflict; the bot does (its revision's parent is not
    the one it read) and re-applies its change on the human's text."""
    fake.edit(TITLE, 'Intro')
    fake.same_second(TITLE, 'Intro, edited in the same second')
    assert wiki.save(TITLE, add_line, 'update') is SaveOutcome.SAVED
    assert fake.text(TITLE) == 'Intro, edited in the same second' + LINE
    users = [r.user for r in fake.pages[TITLE]]
    assert users == [HUMAN, HUMAN, 'LeadershipBot', 'LeadershipBot']
    assert len(fake.saves(TITLE)) == 2
    assert wiki.saved[TITLE] == fake.pages[TITLE][-1].revid


def post(wiki: Wiki) -> bool:
    return wiki.post_section(TALK, 'You are listed', f'Hello.{MARKER} ~~~~', 'notice', MARKER)


def test_a_lost_answer_whose_edit_landed_is_not_posted_twice(fake: FakeWiki,
                                                             wiki: Wiki) -> None:
    fake.edit(TALK, 'Welcome!')
    fake.lose_answer(TALK, landed=True)
    assert post(wiki) is True
    assert (fake.text(TALK) or '').count(MARKER) == 1
    assert len(fake.saves(TALK)) == 1
    assert wiki.posted == 1


def test_a_lost_answer_whose_edit_did_not_land_is_retried(fake: FakeWiki, wiki: Wiki) -> None:
    fake.edit(TALK, 'Welcome!')
    fake.lose_answer(TALK, landed=False)
    assert post(wiki) is True
    assert (fake.text(TALK) or '').count(MARKER) == 1
    assert len(fake.saves(TALK)) == 2
    assert all(call.params['section'] == 'new' for call in fake.saves(TALK))
    assert wiki.posted == 1


def test_answers_lost_on_every_attempt_end_the_run_with_nothing_posted(
        fake: FakeWiki, wiki: Wiki) -> None:
    fake.edit(TALK, 'Welcome!')
    for _ in range(3):  # max_retries = 2: three attempts
        fake.lose_answer(TALK, landed=False)
    with pytest.raises(Exception, match='Maximum retries'):
        post(wiki)
    assert fake.text(TALK) == 'Welcome!'
    assert len(fake.saves(TALK)) == 3
    assert wiki.posted == 0
