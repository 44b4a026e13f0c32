"""Strict config validation: every error names the file, the key and the problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bots.settings import Settings, SettingsError, load_settings, parse_settings

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
