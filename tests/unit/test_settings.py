"""Strict config validation: every error names the file, the key and the problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadership_bot.core.settings import (
    TEMPLATE_KEYS,
    Settings,
    SettingsError,
    load_settings,
    parse_settings,
    template_title,
)

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
    ({'site': 'meta'}, 'site', 'family:code'),
    (['a'], '(top level)', 'mapping'),
])
def test_bad_values_name_key_and_problem(data, key, fragment):
    with pytest.raises(SettingsError) as caught:
        parse_settings(data, 'conf.yaml')
    assert caught.value.key == key
    assert fragment in caught.value.problem
    assert str(caught.value).startswith(f'conf.yaml: {key}: ')


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
