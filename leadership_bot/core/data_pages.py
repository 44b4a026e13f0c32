"""The JSON data pages ``install-templates`` publishes for the on-wiki Lua modules. Pure.

The vocabulary (from the settings) and the messages (``leadership_bot/i18n/*.json``, the
files the bot's own summaries and headings come from) are published as data, so the
templates hold no vocabulary and no message text of their own: a module reads them with
``mw.loadJsonData``. Pages whose title ends in ``.json`` in the Module namespace are
JSON pages (Scribunto's rule), which MediaWiki stores pretty-printed with tabs: the
text here is written that way, so publishing again saves nothing.
"""

from __future__ import annotations

import json
from typing import Any

from leadership_bot.core.messages import FALLBACK, catalog, languages
from leadership_bot.core.vocabulary import Vocabulary

MODULE = 'Module:Leadership request'
VOCABULARY_PAGE = f'{MODULE}/vocabulary.json'
MESSAGES_PAGE = f'{MODULE}/messages.json'
SCHEMA = 1
KINDS = ('types', 'regions', 'areas', 'statuses')


def json_page(data: Any) -> str:
    """``data`` as the text MediaWiki stores on a JSON page."""
    return json.dumps(data, ensure_ascii=False, indent='\t')


def vocabulary_data(vocabulary: Vocabulary) -> dict[str, Any]:
    """Each kind's codes in their order, with their labels (a list: JSON objects have no
    order, and Lua tables neither)."""
    return {'schema': SCHEMA, **{
        kind: [{'code': code, 'label': label}
               for code, label in vocabulary.labelled(kind).items()]
        for kind in KINDS}}


def messages_data() -> dict[str, Any]:
    """Every translated message by language (``qqq``, the documentation, stays in the
    files), and the language a missing message falls back to."""
    return {'schema': SCHEMA, 'fallback': FALLBACK,
            'messages': {lang: catalog(lang) for lang in languages()}}


def data_pages(vocabulary: Vocabulary) -> dict[str, str]:
    """Title -> text of every data page."""
    return {VOCABULARY_PAGE: json_page(vocabulary_data(vocabulary)),
            MESSAGES_PAGE: json_page(messages_data())}
