"""The vocabulary: one definition of the codes and labels, and the doc generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadership_bot.core.model import STATUSES
from leadership_bot.core.vocabulary import (
    AREAS,
    DEFAULTS,
    REGIONS,
    STATUS_LABELS,
    TYPES,
    Labels,
    Vocabulary,
    label_problem,
    markdown,
    own_label,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / 'docs' / 'vocabulary.md'
DEFINITION = 'leadership_bot/core/vocabulary.py'
GENERATED = {'docs/vocabulary.md'}
# Where a region's name is a volunteer's value, not a label: (file, region code) -> why.
NOT_LABELS = {
    ('scripts/fixtures/demo.yaml', 'sa'): "a volunteer's own goals text",
    ('tests/cases/requests.yaml', 'ssa'):
        'a region written as its name on purpose: a wrong value the checks must refuse',
}
NOT_LABEL_TEXT = {(path, REGIONS[code]) for path, code in NOT_LABELS}
SKIPPED_DIRS = {'.git', '.venv', '.hypothesis', '.mypy_cache', '.pytest_cache', '.ruff_cache',
                '__pycache__', '.local-wiki', 'build', 'node_modules'}
TEXT_SUFFIXES = {'.py', '.wiki', '.yaml', '.yml', '.md', '.toml', '.json', '.txt', '.cfg',
                 '.ini', '.sh', '.sample', ''}


def test_docs_vocabulary_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding='utf-8') == markdown(), (
        'docs/vocabulary.md is stale: regenerate it with '
        '.venv/bin/python -m leadership_bot.core.vocabulary > docs/vocabulary.md')


def source_files() -> list[tuple[str, str]]:
    """``(relative path, text)`` of the repository's text files (not generated ones)."""
    found = []
    for path in sorted(ROOT.rglob('*')):
        relative = path.relative_to(ROOT)
        if (not path.is_file() or set(relative.parts) & SKIPPED_DIRS
                or relative.parts[0].endswith('.egg-info') or path.suffix not in TEXT_SUFFIXES
                or relative.as_posix() in GENERATED):
            continue
        try:
            found.append((relative.as_posix(), path.read_text(encoding='utf-8')))
        except (UnicodeDecodeError, OSError):
            continue
    return found


# The labels that are no everyday words, so that a search finds only copies of them.
DISTINCT_LABELS = [*REGIONS.values(), *(label for label in TYPES.values() if ' ' in label)]


@pytest.mark.parametrize('label', [label for label in DISTINCT_LABELS if label != 'Global'])
def test_each_label_is_written_in_one_source_file(label: str) -> None:
    """The one definition: no template, doc or module writes a label out by hand."""
    files = source_files()
    holders = {path for path, text in files
               if label in text and (path, label) not in NOT_LABEL_TEXT}
    assert holders == {DEFINITION}, holders


def test_the_search_sees_the_definition_and_the_templates() -> None:
    paths = {path for path, _ in source_files()}
    assert DEFINITION in paths
    assert 'templates_wikitext/Template/Leadership request/box.wiki' in paths
    assert 'docs/vocabulary.md' not in paths


def test_the_defaults() -> None:
    assert tuple(STATUS_LABELS) == STATUSES
    assert Vocabulary().statuses == STATUSES
    for labels in DEFAULTS.values():
        assert all(label_problem(label) is None for label in labels.values())
        assert len({label.casefold() for label in labels.values()}) == len(labels)
    vocabulary = Vocabulary()
    assert vocabulary.region_labels == REGIONS and vocabulary.area_labels == AREAS
    assert vocabulary.type_labels == TYPES and vocabulary.status_labels == STATUS_LABELS


def test_labels_are_completed_and_unknown_codes_are_their_own_label() -> None:
    vocabulary = Vocabulary(regions=('mena', 'africa'), region_labels=Labels({'africa': 'Africa'}))
    assert vocabulary.region_labels == {'mena': REGIONS['mena'], 'africa': 'Africa'}
    assert vocabulary.region_title('africa') == 'Africa (africa)'
    assert vocabulary.region_title('mena') == f"{REGIONS['mena']} (mena)"
    assert vocabulary.region_name('x-unknown') == 'x-unknown'
    assert vocabulary.region_title('x-unknown') == 'x-unknown'
    assert Vocabulary(regions=('europe',)).region_title('europe') == 'europe'
    assert vocabulary.labelled('types')['attend'] == TYPES['attend']
    with pytest.raises(ValueError, match='no such code'):
        Vocabulary(regions=('mena',), region_labels=Labels({'ssa': 'x'}))


def test_vocabularies_compare_and_hash_with_their_labels() -> None:
    one = Vocabulary(region_labels=Labels({'mena': 'MENA'}))
    assert one == Vocabulary(region_labels=Labels({'mena': 'MENA'}))
    assert one != Vocabulary()
    assert hash(one) == hash(Vocabulary(region_labels=Labels({'mena': 'MENA'})))
    assert Labels({'a': 'A'}) == {'a': 'A'}
    assert 'Labels' in repr(Labels({'a': 'A'}))


@pytest.mark.parametrize(('code', 'label', 'own'), [
    ('open-data', 'Open data', False), ('glam', 'GLAM', False), ('global', 'Global', False),
    ('mena', REGIONS['mena'], True), ('other', TYPES['other'], True)])
def test_own_label(code: str, label: str, own: bool) -> None:
    assert own_label(code, label) is own


@pytest.mark.parametrize(('label', 'fragment'), [
    ('', 'empty'), ('a|b', "'|'"), ('a [[b]]', 'markup'), ('a<br>', 'markup'),
    ('__NOTOC__', 'markup'), ("''x''", 'markup'), ('#1', 'start'), (':x', 'start'),
    ('a\u200eb', 'one line'), ('a\tb', 'one line'), ('x' * 101, 'longer')])
def test_label_problems(label: str, fragment: str) -> None:
    assert fragment in (label_problem(label) or '')


@pytest.mark.parametrize('label', ['Côte d’Ivoire', "Africa's north", 'A = B', 'Asia & Pacific'])
def test_plain_labels_are_fine(label: str) -> None:
    assert label_problem(label) is None
