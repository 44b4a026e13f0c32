"""templates_wikitext/ -> the pages install-templates publishes (pure, no wiki)."""

from __future__ import annotations

import pytest

from leadership_bot.core.publishing import (
    CHECKOUT_DIR,
    TemplateFilesError,
    canonical_cases,
    region_category,
    template_pages,
    title_for,
)
from leadership_bot.core.settings import Settings, parse_settings

RENAMED = parse_settings({'pages': {'request_template': 'organizer request',
                                    'notice_template': 'Thanks',
                                    'request_prefix': 'Network/Asks/'}})

TITLES = [
    ('landing.wiki', Settings(), 'Leadership network/Requests'),
    ('landing.wiki', RENAMED, 'Network/Asks'),
    ('Template/Leadership request.wiki', RENAMED, 'Template:Organizer request'),
    ('Template/Leadership request/editintro.wiki', RENAMED, 'Template:Organizer request/editintro'),
    ('Template/Leadership recognition/fr.wiki', RENAMED, 'Template:Thanks/fr'),
    ('Category/Leadership requests.wiki', RENAMED, 'Category:Leadership requests'),
    ('Main/Some page.wiki', Settings(), 'Some page'),
]


@pytest.mark.parametrize(('relative', 'settings', 'title'), TITLES)
def test_file_titles(relative, settings, title):
    assert title_for(relative, settings) == title


def test_every_region_gets_its_tracking_category():
    settings = parse_settings({'vocabulary': {'regions': ['africa', 'north-america']}})
    pages = template_pages(settings)
    for code in ('africa', 'north-america'):
        text = pages[region_category(code)]
        assert f'region = {code}' in text
        assert '[[Category:Leadership requests|' in text
    assert not [title for title in pages if '@@' in title or 'in mena' in title]
    assert '| north_america = north-america' in pages['Template:Leadership request']


def test_no_placeholder_is_left_and_the_landing_page_uses_the_editintro():
    pages = template_pages(RENAMED)
    assert not [title for title, text in pages.items() if '@@' in text]
    assert 'editintro=Template:Organizer request/editintro' in pages['Network/Asks']
    assert 'preload=Template:Organizer request/preload' in pages['Network/Asks']


@pytest.mark.parametrize(('codes', 'cases'), [
    (('ssa', 'mena'), ''),
    (('north-america', 'ssa', 'a-b-c'), '| north_america = north-america | a_b_c = a-b-c'),
])
def test_canonical_cases(codes, cases):
    assert canonical_cases(codes) == cases


def test_nothing_to_publish_is_an_error(tmp_path):
    with pytest.raises(TemplateFilesError, match='has no .wiki files'):
        template_pages(Settings(), tmp_path)
    (tmp_path / 'landing.wiki').write_text('x', encoding='utf-8')
    with pytest.raises(TemplateFilesError, match=r'missing Template/Leadership request\.wiki'):
        template_pages(Settings(), tmp_path)


def test_the_checkout_folder_is_complete():
    assert template_pages(Settings(), CHECKOUT_DIR) == template_pages(Settings())
