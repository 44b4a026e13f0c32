"""The JSON data pages for the Lua modules: built from the vocabulary and the message files."""

from __future__ import annotations

import json

from leadership_bot.core.data_pages import (
    MESSAGES_PAGE,
    VOCABULARY_PAGE,
    data_pages,
    messages_data,
    vocabulary_data,
)
from leadership_bot.core.messages import catalog, languages
from leadership_bot.core.publishing import template_pages
from leadership_bot.core.settings import Settings
from leadership_bot.core.vocabulary import REGIONS, Labels, Vocabulary


def test_the_vocabulary_keeps_the_order_and_the_configured_labels() -> None:
    own = Vocabulary(regions=('nwe', 'mena'), region_labels=Labels({'nwe': 'Europe du Nord'}))
    data = vocabulary_data(own)
    assert data['regions'] == [{'code': 'nwe', 'label': 'Europe du Nord'},
                               {'code': 'mena', 'label': REGIONS['mena']}]
    assert [row['code'] for row in data['statuses']] == list(own.statuses)
    assert [row['code'] for row in data['types']] == list(own.types)


def test_the_messages_are_every_language_file_without_the_documentation() -> None:
    data = messages_data()
    assert set(data['messages']) == set(languages()) and 'qqq' not in data['messages']
    assert data['messages']['fr'] == catalog('fr')
    assert data['fallback'] in data['messages']


def test_the_pages_are_tab_indented_json_published_before_the_templates() -> None:
    pages = data_pages(Vocabulary())
    for title, text in pages.items():
        assert title.startswith('Module:') and title.endswith('.json')
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent='\t')
    published = list(template_pages(Settings()))
    assert published[:2] == [VOCABULARY_PAGE, MESSAGES_PAGE]
    assert len(published) > 2
