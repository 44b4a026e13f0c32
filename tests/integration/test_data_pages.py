"""The JSON data pages install-templates publishes, read by Lua on the real wiki."""

from __future__ import annotations

import html
import json
import re

import pytest

from devwiki.wikiuser import WikiSession
from leadership_bot.core.data_pages import MESSAGES_PAGE, VOCABULARY_PAGE, data_pages
from leadership_bot.core.messages import catalog, fill
from leadership_bot.core.notices import SUMMARY_KEY, title_key
from leadership_bot.core.settings import load_settings
from leadership_bot.core.vocabulary import REGIONS
from leadership_bot.wiki.notify import plural

from .conftest import Seeded

READER = 'Data pages check'  # Module:Data pages check
READER_TEXT = f"""local p = {{}}
function p.region(frame)
    for _, row in ipairs(mw.loadJsonData('{VOCABULARY_PAGE}').regions) do
        if row.code == frame.args[1] then return row.label end
    end
    return 'none'
end
function p.message(frame)
    local data = mw.loadJsonData('{MESSAGES_PAGE}')
    local messages = data.messages[frame.args[1]] or data.messages[data.fallback]
    return messages[frame.args[2]]
end
return p
"""


def invoke(session: WikiSession, *args: str) -> str:
    """The HTML of ``{{#invoke:READER|args…}}``."""
    answer = session.api(action='parse', text=f'{{{{#invoke:{READER}|{"|".join(args)}}}}}',
                         contentmodel='wikitext', prop='text', disablelimitreport=1)
    return str(answer['parse']['text'])


def test_data_pages_are_json_pages_as_published(seeded: Seeded,
                                                admin_session: WikiSession) -> None:
    expected = data_pages(load_settings(seeded.config).vocabulary)
    pages = admin_session.api(action='query', prop='revisions', titles='|'.join(expected),
                              rvprop='content|contentmodel', rvslots='main')['query']['pages']
    for page in pages:
        slot = page['revisions'][0]['slots']['main']
        assert slot['contentmodel'] == 'json', page['title']
        # MediaWiki stores exactly the text published: a second install saves nothing.
        assert slot['content'] == expected[page['title']], page['title']
        assert json.loads(slot['content'])['schema'] == 1


def test_lua_reads_the_vocabulary_and_the_messages(seeded: Seeded,
                                                   admin_session: WikiSession) -> None:
    admin_session.edit(f'Module:{READER}', READER_TEXT)
    assert f'<p>{REGIONS["mena"]}\n' in invoke(admin_session, 'region', 'mena')
    for lang, shown in (('fr', 'fr'), ('xx', 'en')):  # xx has no messages: English
        text = html.unescape(invoke(admin_session, 'message', lang, SUMMARY_KEY))
        # The parser puts a no-break space before French punctuation.
        assert f'<p>{catalog(shown)[SUMMARY_KEY]}\n' in text.replace('\xa0', ' ')


MILESTONE = title_key('milestone')


def message(session: WikiSession, *args: str, lang: str = '') -> str:
    """What the i18n module's ``msg`` shows, as text."""
    answer = session.api(
        action='parse', contentmodel='wikitext', prop='text', disablelimitreport=1,
        text=f'{{{{#invoke:Leadership request/i18n|msg|{"|".join(args)}|lang={lang}}}}}')
    body = str(answer['parse']['text'])
    return html.unescape(re.sub(r'<[^>]+>', '', body)).replace('\xa0', ' ').strip()


@pytest.mark.parametrize(('lang', 'shown'), [
    ('fr', 'fr'), ('es', 'es'),
    ('frc', 'fr'),  # MediaWiki's fallback chain: Cajun French -> French
    ('de', 'en'), ('', 'en'), ('no such language', 'en'),
])
def test_messages_follow_the_fallback_chain(seeded: Seeded, admin_session: WikiSession,
                                            lang: str, shown: str) -> None:
    expected = fill(catalog(shown)[SUMMARY_KEY], shown, ['X'], plural)
    assert message(admin_session, SUMMARY_KEY, 'X', lang=lang) == expected


@pytest.mark.parametrize('count', [1, 2, 5])
@pytest.mark.parametrize('lang', ['en', 'fr', 'es'])
def test_plural_agrees_with_the_bot(seeded: Seeded, admin_session: WikiSession,
                                    lang: str, count: int) -> None:
    expected = fill(catalog(lang)[MILESTONE], lang, [count], plural)
    assert message(admin_session, MILESTONE, str(count), lang=lang) == expected


def test_parameters_stay_text_and_unknown_keys_show_nothing(
        seeded: Seeded, admin_session: WikiSession) -> None:
    hostile = "[[Category:Spam]] '''x''' <b>y</b> __NOTOC__ ~~~~"
    answer = admin_session.api(
        action='parse', contentmodel='wikitext', prop='text|categories|links',
        text=f'{{{{#invoke:Leadership request/i18n|msg|{SUMMARY_KEY}|{hostile}|lang=en}}}}'
    )['parse']
    assert not answer['categories'] and not answer['links']
    assert '<b>' not in answer['text'] and '<i>' not in answer['text']
    assert hostile in html.unescape(answer['text'])
    assert message(admin_session, 'no-such-key', lang='fr') == ''
