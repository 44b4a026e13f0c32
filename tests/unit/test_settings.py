"""Strict config validation: every error names the file, the key and the problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadership_bot.core.model import STATUSES
from leadership_bot.core.settings import (
    TEMPLATE_KEYS,
    Settings,
    SettingsError,
    load_settings,
    parse_settings,
    template_title,
)
from leadership_bot.core.vocabulary import REGIONS, STATUS_LABELS, TYPES

CONFIG_DIR = Path(__file__).parents[2] / 'config'


def test_defaults_are_meta_wiki():
    settings = parse_settings({})
    assert settings == Settings()
    assert settings.vocabulary.regions[0] == 'mena'
    assert settings.pages.landing == 'Leadership network/Requests'


def test_a_file_names_only_what_it_changes():
    settings = parse_settings({'notify': {'max_per_run': 5, 'since': '2026-06-01'},
                               'pages': {'report': 'R'}})
    assert settings.notify.max_per_run == 5
    assert settings.notify.since == dt.date(2026, 6, 1)
    assert settings.pages.report == 'R'
    assert settings.pages.directory == Settings().pages.directory


@pytest.mark.parametrize('name', ['meta.yaml', 'local.yaml'])
def test_shipped_configs_are_valid(name):
    assert load_settings(CONFIG_DIR / name).source.endswith(name)


@pytest.mark.parametrize(('data', 'key', 'fragment'), [
    ({'pagess': {}}, 'pagess', 'unknown key'),
    ({'pages': {'reportt': 'x'}}, 'pages.reportt', 'unknown key'),
    ({'pages': 'x'}, 'pages', 'mapping'),
    ({'pages': {'report': 3}}, 'pages.report', 'text'),
    ({'pages': {'report': ''}}, 'pages.report', 'must name a page'),
    ({'notify': {'max_per_run': 'lots'}}, 'notify.max_per_run', 'whole number'),
    ({'notify': {'max_per_run': -1}}, 'notify.max_per_run', '0 or more'),
    ({'notify': {'max_per_run': True}}, 'notify.max_per_run', 'number'),
    ({'notify': {'since': 'yesterday'}}, 'notify.since', 'YYYY-MM-DD'),
    ({'notify': {'events': ['approved', 'party']}}, 'notify.events', "'party'"),
    ({'notify': {'milestones': [0]}}, 'notify.milestones', '1 or more'),
    ({'directory': {'max_removed_share': 1.5}}, 'directory.max_removed_share', 'between 0'),
    ({'directory': {'max_rows_per_page': 0}}, 'directory.max_rows_per_page', '1 or more'),
    ({'vocabulary': {'regions': []}}, 'vocabulary.regions', 'non-empty'),
    ({'vocabulary': {'regions': ['Open Data']}}, 'vocabulary.regions', 'normalized'),
    ({'vocabulary': {'areas': ['glam', 'glam']}}, 'vocabulary.areas', 'twice'),
    ({'vocabulary': {'regions': 'mena'}}, 'vocabulary.regions', 'non-empty list'),
    ({'vocabulary': {'regions': {}}}, 'vocabulary.regions', 'non-empty'),
    ({'vocabulary': {'regions': {'Africa': 'Africa'}}}, 'vocabulary.regions', 'normalized'),
    ({'vocabulary': {'regions': {True: 'Yes'}}}, 'vocabulary.regions', 'quote'),
    ({'vocabulary': {'regions': {3: 'Three'}}}, 'vocabulary.regions', 'text'),
    ({'vocabulary': {'regions': {'af': 3}}}, 'vocabulary.regions.af', 'text'),
    ({'vocabulary': {'regions': {'af': 'A|B'}}}, 'vocabulary.regions.af', "'|'"),
    ({'vocabulary': {'regions': {'af': '[[Africa]]'}}}, 'vocabulary.regions.af', 'markup'),
    ({'vocabulary': {'regions': {'af': '{{x}}'}}}, 'vocabulary.regions.af', 'markup'),
    ({'vocabulary': {'regions': {'af': "''Africa''"}}}, 'vocabulary.regions.af', 'markup'),
    ({'vocabulary': {'regions': {'af': '~~~~'}}}, 'vocabulary.regions.af', 'markup'),
    ({'vocabulary': {'regions': {'af': '* Africa'}}}, 'vocabulary.regions.af', 'start'),
    ({'vocabulary': {'regions': {'af': 'Af\nrica'}}}, 'vocabulary.regions.af', 'one line'),
    ({'vocabulary': {'regions': {'af': 'A' * 101}}}, 'vocabulary.regions.af', 'longer'),
    ({'vocabulary': {'regions': {'af': 'Africa', 'africa': 'AFRICA'}}},
     'vocabulary.regions.africa', "label of 'af'"),
    ({'vocabulary': {'regions': {'mena': None, 'x': REGIONS['mena']}}},
     'vocabulary.regions.x', "label of 'mena'"),
    ({'vocabulary': {'labels': {}}}, 'vocabulary.labels', 'unknown key'),
    ({'vocabulary': {'statuses': ['submitted']}}, 'vocabulary.statuses', 'mapping'),
    ({'vocabulary': {'statuses': {'done': 'Done'}}}, 'vocabulary.statuses.done', 'unknown code'),
    ({'vocabulary': {'statuses': {'approved': 'Declined'}}}, 'vocabulary.statuses.declined',
     "label of 'approved'"),
    ({'vocabulary': 'x'}, 'vocabulary', 'mapping'),
    ({'site': 'meta'}, 'site', 'family:code'),
    (['a'], '(top level)', 'mapping'),
])
def test_bad_values_name_key_and_problem(data, key, fragment):
    with pytest.raises(SettingsError) as caught:
        parse_settings(data, 'conf.yaml')
    assert caught.value.key == key
    assert fragment in caught.value.problem
    assert str(caught.value).startswith(f'conf.yaml: {key}: ')


def test_vocabulary_labels_default_to_meta_wiki_and_may_be_configured():
    default = Settings().vocabulary
    assert default.region_name('eseap') == REGIONS['eseap']
    assert default.region_labels == REGIONS and default.type_labels == TYPES
    # A list of codes: the built-in labels where there are any, else the code.
    listed = parse_settings({'vocabulary': {'regions': ['mena', 'north-america']}}).vocabulary
    assert listed.regions == ('mena', 'north-america')
    assert listed.region_name('mena') == REGIONS['mena']
    assert listed.region_name('north-america') == 'north-america'
    # A mapping: codes in its order, with labels; an empty label keeps the built-in one.
    mapped = parse_settings({'vocabulary': {
        'regions': {'north-america': ' North America ', 'mena': None},
        'areas': {'glam': 'Museums and archives'},
        'statuses': {'submitted': 'Waiting'}}}).vocabulary
    assert mapped.regions == ('north-america', 'mena')
    assert mapped.region_labels == {'north-america': 'North America', 'mena': REGIONS['mena']}
    assert mapped.areas == ('glam',) and mapped.area_labels['glam'] == 'Museums and archives'
    assert mapped.status_labels['submitted'] == 'Waiting'
    assert mapped.status_labels['approved'] == STATUS_LABELS['approved']
    assert mapped.statuses == STATUSES
    assert mapped.types == default.types


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(SettingsError, match='cannot read'):
        load_settings(tmp_path / 'missing.yaml')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('pages:\n  report: [unclosed\n')
    with pytest.raises(SettingsError, match=r'bad\.yaml: line \d+: not valid YAML'):
        load_settings(bad)


# Template names as people write them in {{…}} -> the title MediaWiki transcludes.
TEMPLATE_TITLES = [
    ('Leadership request', 'Template:Leadership request'),
    ('leadership request', 'Template:Leadership request'),
    ('leadership_request', 'Template:Leadership request'),
    ('  Leadership   request ', 'Template:Leadership request'),
    ('Template:Leadership request', 'Template:Leadership request'),
    ('template:leadership request', 'Template:Leadership request'),
    ('TEMPLATE : leadership_request', 'Template:Leadership request'),
    (':Template:Leadership request', 'Template:Leadership request'),  # {{:Template:X}}
    ('\u200eLeadership request\u200f', 'Template:Leadership request'),  # bidi marks
    ('Leadership recognition/fr', 'Template:Leadership recognition/fr'),
    ('Template:Template:X', 'Template:Template:X'),
    ('Template:Meta:X', 'Template:Meta:X'),  # a colon in the name: with the prefix
    ('ébauche', 'Template:Ébauche'),
    ('ßig', 'Template:ßig'),  # MediaWiki keeps ß (Python would make it SS)
    ('Cafe\u0301', 'Template:Caf\u00e9'),  # NFC
    ('x' * 255, 'Template:X' + 'x' * 254),
]

# Names that are no template title, and what the message says.
BAD_TEMPLATE_TITLES = [
    ('User:Someone/Leadership request', 'is not in the Template namespace'),
    ('Template talk:Leadership request', 'is not in the Template namespace'),
    ('Category:Leadership requests', 'is not in the Template namespace'),
    ('Meta:Leadership request', 'is not in the Template namespace'),  # Meta's project ns
    ('Vorlage:Leadership request', 'is not in the Template namespace'),  # localized
    ('en:Leadership request', 'is not in the Template namespace'),  # an interwiki
    (':Leadership request', 'main namespace'),  # {{:X}} transcludes the page X
    ('Template:', 'names no template'),
    ('_', 'names no template'),
    ('Leadership request#top', "contains '#'"),
    ('{{Leadership request}}', "contains '{'"),
    ('Leadership [request]', "contains '['"),
    ('../Leadership request', '".."'),
    ('Leadership request/./x', '".."'),
    ('Leadership ~~~', '"~~~"'),
    ('x' * 256, 'too long'),
]


@pytest.mark.parametrize(('value', 'title'), TEMPLATE_TITLES)
def test_template_names_resolve_as_in_braces(value, title):
    assert template_title(value) == title
    assert template_title(title) == title  # normalizing twice changes nothing


@pytest.mark.parametrize('key', TEMPLATE_KEYS)
@pytest.mark.parametrize(('value', 'title'), TEMPLATE_TITLES)
def test_every_template_key_is_normalized(key, value, title):
    assert getattr(parse_settings({'pages': {key: value}}).pages, key) == title


@pytest.mark.parametrize('key', TEMPLATE_KEYS)
@pytest.mark.parametrize(('value', 'fragment'), BAD_TEMPLATE_TITLES)
def test_a_template_key_outside_the_template_namespace_is_an_error(key, value, fragment):
    with pytest.raises(SettingsError) as caught:
        parse_settings({'pages': {key: value}}, 'conf.yaml')
    assert caught.value.key == f'pages.{key}'
    assert fragment in caught.value.problem
    assert str(caught.value).startswith(f'conf.yaml: pages.{key}: {value.strip()!r} ')


def test_defaults_and_shipped_configs_name_templates_in_full():
    for settings in (Settings(), *(load_settings(CONFIG_DIR / name)
                                   for name in ('meta.yaml', 'local.yaml'))):
        for key in TEMPLATE_KEYS:
            title = getattr(settings.pages, key)
            assert title.startswith('Template:')
            assert template_title(title) == title


def test_template_key_error_names_the_file(tmp_path):
    config = tmp_path / 'operator.yaml'
    config.write_text('pages:\n  request_template: "User:X"\n', encoding='utf-8')
    with pytest.raises(SettingsError) as caught:
        load_settings(config)
    assert str(caught.value).startswith(
        f"{config}: pages.request_template: 'User:X' is not in the Template namespace")
