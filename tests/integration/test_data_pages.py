"""The JSON data pages install-templates publishes, read by Lua on the real wiki."""

from __future__ import annotations

import html
import json

from devwiki.wikiuser import WikiSession
from leadership_bot.core.data_pages import MESSAGES_PAGE, VOCABULARY_PAGE, data_pages
from leadership_bot.core.messages import catalog
from leadership_bot.core.notices import SUMMARY_KEY
from leadership_bot.core.settings import load_settings
from leadership_bot.core.vocabulary import REGIONS

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
