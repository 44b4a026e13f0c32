"""templates_wikitext/ -> the pages install-templates publishes (pure, no wiki)."""

from __future__ import annotations

import json

import pytest

from leadership_bot.core.model import STATUSES
from leadership_bot.core.publishing import (
    CHECKOUT_DIR,
    TemplateFilesError,
    canonical_cases,
    region_category,
    switch_cases,
    template_pages,
    terms,
    title_for,
)
from leadership_bot.core.settings import Settings, parse_settings
from leadership_bot.core.vocabulary import REGIONS, Labels

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


# -- the vocabulary's labels in the templates ------------------------------------------------

REQUEST = 'Template:Leadership request'
LABELLED = parse_settings({'vocabulary': {
    'types': {'attend': 'Go to a "program"', 'travel-grant': 'Travel & grant'},
    'regions': {'africa': 'Africa', 'north-america': 'North America', 'mena': None,
                'antarctica': None},
    'areas': ['glam', 'open-data', 'maps'],
    'statuses': {'under-review': 'Being looked at'}}})


def templatedata(settings: Settings) -> dict:
    text = template_pages(settings)[f'{REQUEST}/doc']
    return json.loads(text.split('<templatedata>', 1)[1].split('</templatedata>', 1)[0])


@pytest.mark.parametrize('settings', [Settings(), LABELLED], ids=['meta', 'labelled'])
def test_the_box_shows_the_vocabulary_labels(settings):
    vocabulary = settings.vocabulary
    box = template_pages(settings)[f'{REQUEST}/box']
    for code, name in vocabulary.region_labels.items():
        assert (f'| {code} = {vocabulary.region_title(code)}\n' in box) is (name != code)
    for code, label in vocabulary.type_labels.items():
        spelled = switch_cases([code])
        assert (f'| {spelled} = {label}\n' in box) is (label != code)
    for code, label in vocabulary.status_labels.items():
        assert f'| {code} = {label}\n' in box
    assert '@@' not in box


def test_configured_labels_reach_the_box_the_doc_and_the_landing_page():
    pages = template_pages(LABELLED)
    box, doc = pages[f'{REQUEST}/box'], pages[f'{REQUEST}/doc']
    assert '| africa = Africa (africa)' in box
    assert '| north-america = North America (north-america)' in box
    assert f"| mena = {REGIONS['mena']} (mena)" in box
    assert '| antarctica =' not in box  # no label of its own: the value as written
    assert '| travel-grant|travel_grant = Travel & grant' in box
    assert '| under-review = Being looked at' in box
    assert '| <code>north-america</code> || North America' in doc
    assert '|+ The region codes\n' in doc
    landing = pages[LABELLED.pages.landing]
    assert '[[:Category:Leadership requests (under-review)|being looked at]]' in landing


def test_the_meta_wiki_doc_table_lists_the_default_regions():
    doc = template_pages(Settings())[f'{REQUEST}/doc']
    rows = [f'| <code>{code}</code> || {name}' for code, name in REGIONS.items()]
    assert '\n|-\n'.join(rows) in doc
    assert '|+ The default region codes (the Wikimedia funding regions)' in doc


@pytest.mark.parametrize('settings', [Settings(), LABELLED], ids=['meta', 'labelled'])
def test_templatedata_is_valid_json_with_the_vocabulary(settings):
    vocabulary = settings.vocabulary
    params = templatedata(settings)['params']
    assert params['type']['suggestedvalues'] == list(vocabulary.types)
    assert params['region']['suggestedvalues'] == list(vocabulary.regions)
    assert params['areas']['suggestedvalues'] == list(vocabulary.areas)
    assert params['status']['suggestedvalues'] == list(STATUSES)
    assert terms(vocabulary.region_labels) in params['region']['description']['en']
    assert terms(vocabulary.type_labels) in params['type']['description']['en']
    assert terms(vocabulary.area_labels, ', ') in params['areas']['description']['en']


def test_templatedata_descriptions_name_labels_that_say_more_than_the_code():
    params = templatedata(LABELLED)['params']
    assert params['type']['description']['en'] == (
        'What you ask for: attend (Go to a "program") or travel-grant (Travel & grant).')
    assert params['region']['description']['en'] == (
        f"Your region code: africa, north-america, mena ({REGIONS['mena']}) or antarctica.")
    assert params['areas']['description']['en'] == (
        'Your partnership areas, separated by commas: glam, open-data, maps.')


def test_the_status_codes_come_from_the_model():
    template = template_pages(Settings())[REQUEST]
    assert f'| {switch_cases(STATUSES)} =' in template
    assert f'use one of {", ".join(STATUSES)}.' in template
    assert '| under_review = under-review' in template


@pytest.mark.parametrize(('labels', 'text'), [
    ({'a': 'A'}, 'a'), ({'a': 'Apple'}, 'a (Apple)'), ({'a': 'A', 'b': 'B'}, 'a or b'),
    ({'a': 'A', 'b-c': 'B c', 'd': 'Dee'}, 'a, b-c or d (Dee)')])
def test_terms(labels, text):
    assert terms(Labels(labels)) == text
