"""The vocabulary: the codes of the enumerated request fields and their English labels.

This module is the one definition of them. The Meta-Wiki defaults are written here and
nowhere else: the types of support, the Wikimedia regions as Meta-Wiki names them, the
partnership areas and the labels of the request statuses (whose codes are
:data:`leadership_bot.core.model.STATUSES`). Everything else reads a :class:`Vocabulary`:

- the settings (``vocabulary:`` in the YAML file, :mod:`leadership_bot.core.settings`)
  may replace the codes and labels; what a file leaves out keeps these defaults;
- the bot shows the labels (the directory's region headings: :meth:`Vocabulary.region_title`);
- ``install-templates`` fills them into the templates (:mod:`leadership_bot.core.publishing`:
  the box's display names, the region table of the documentation, TemplateData);
- ``docs/vocabulary.md`` is generated from the defaults (:func:`markdown`; run
  ``python -m leadership_bot.core.vocabulary > docs/vocabulary.md``), and a unit test
  fails when it is stale.

Labels are English; translations are not part of the vocabulary (yet).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping

from leadership_bot.core.model import STATUSES


class Labels(Mapping[str, str]):
    """Code -> label, in the codes' order; read-only and hashable (settings are frozen)."""

    __slots__ = ('_items',)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, code: str) -> str:
        return self._items[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Labels):
            return self._items == other._items
        return NotImplemented if not isinstance(other, Mapping) else self._items == dict(other)

    def __repr__(self) -> str:
        return f'Labels({self._items!r})'


# -- the Meta-Wiki defaults --------------------------------------------------------------------

TYPES = Labels({
    'attend': 'Attend a leadership program',
    'organize': 'Organize a leadership program',
    'mentorship': 'Mentorship',
    'network': 'Networking with other organizers',
    'other': 'Other support',
})
# The Wikimedia regions, as Meta-Wiki names them, and one for work that is not tied to one.
REGIONS = Labels({
    'mena': 'Middle East and North Africa',
    'ssa': 'Sub-Saharan Africa',
    'sa': 'South Asia',
    'eseap': 'East, Southeast Asia and the Pacific',
    'ceeca': 'Central and Eastern Europe and Central Asia',
    'nwe': 'Northern and Western Europe',
    'lac': 'Latin America and the Caribbean',
    'usca': 'United States and Canada',
    'global': 'Global',
})
AREAS = Labels({
    'glam': 'GLAM',
    'education': 'Education',
    'government': 'Government',
    'open-data': 'Open data',
    'libraries': 'Libraries',
    'research': 'Research',
    'media': 'Media',
    'civil-society': 'Civil society',
    'technology': 'Technology',
    'other': 'Other',
})
# Labels only: the codes and what they mean are the bot's (model.STATUSES, the trust rules).
STATUS_LABELS = Labels({
    'submitted': 'Submitted',
    'under-review': 'Under review',
    'approved': 'Approved',
    'declined': 'Declined',
    'withdrawn': 'Withdrawn',
    'completed': 'Completed',
})
DEFAULTS = {'types': TYPES, 'regions': REGIONS, 'areas': AREAS, 'statuses': STATUS_LABELS}



def region_title(code: str, names: Mapping[str, str]) -> str:
    """A region's heading: ``Name (code)``, or the code alone when it has no name."""
    name = names.get(code)
    return f'{name} ({code})' if name and name != code else code


# -- labels ------------------------------------------------------------------------------------

MAX_LABEL = 100  # characters
# Labels are written into wikitext (#switch cases, a table) as they are, so no markup:
# "|" ends a case, braces and brackets start templates and links, "~~~" is a signature,
# "''" is italics, "__" starts a behaviour switch (__NOTOC__).
_MARKUP = re.compile(r"[|{}\[\]<>]|~~~|''|__")
# MediaWiki puts a new line before a template result that starts with one of these.
_LINE_START = ('*', '#', ':', ';')


def label_problem(label: str) -> str | None:
    """What is wrong with ``label`` as a label, or ``None`` when it is fine."""
    if not label:
        return 'the label is empty'
    if len(label) > MAX_LABEL:
        return f'the label is longer than {MAX_LABEL} characters'
    if any(unicodedata.category(c) in ('Cc', 'Cf', 'Zl', 'Zp') for c in label):
        return f'{label!r} is not one line of plain text (it has a control character)'
    if markup := _MARKUP.search(label):
        return (f'{label!r} contains {markup.group()!r}: labels are shown as text on the '
                'wiki and may not have wiki markup')
    if label.startswith(_LINE_START):
        return f'{label!r} may not start with {label[0]!r} (wiki markup for a list)'
    return None


def own_label(code: str, label: str) -> bool:
    """Whether ``label`` says more than ``code`` does (``Open data`` does not for
    ``open-data``)."""
    return label.casefold() != code.casefold() and \
        '-'.join(label.casefold().split()) != code.casefold()


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The codes accepted in the enumerated fields, each with its English label.

    ``types``, ``regions`` and ``areas`` are the codes, in their order; the ``*_labels``
    mappings have one label for each code (and ``status_labels`` one for each of
    :data:`~leadership_bot.core.model.STATUSES`). A code given no label gets the default
    label when it has one, else the code itself (:meth:`labelled` tells them apart).
    """

    types: tuple[str, ...] = tuple(TYPES)
    regions: tuple[str, ...] = tuple(REGIONS)
    areas: tuple[str, ...] = tuple(AREAS)
    type_labels: Labels = Labels()
    region_labels: Labels = Labels()
    area_labels: Labels = Labels()
    status_labels: Labels = Labels()

    def __post_init__(self) -> None:
        for codes, field, defaults in (
                (self.types, 'type_labels', TYPES), (self.regions, 'region_labels', REGIONS),
                (self.areas, 'area_labels', AREAS), (STATUSES, 'status_labels', STATUS_LABELS)):
            given: Mapping[str, str] = getattr(self, field)
            if extra := [code for code in given if code not in codes]:
                raise ValueError(f'{field}: no such code {", ".join(extra)}')
            complete = Labels((code, given.get(code) or defaults.get(code) or code)
                              for code in codes)
            object.__setattr__(self, field, complete)

    @property
    def statuses(self) -> tuple[str, ...]:
        """The status codes (fixed: what they mean is the bot's trust rules)."""
        return STATUSES

    def region_name(self, code: str) -> str:
        """The name of a region code; an unknown code is its own name."""
        return self.region_labels.get(code, code)

    def region_title(self, code: str) -> str:
        """A region as headings and the request box show it: ``Name (code)``, or the code
        alone when it has no name of its own."""
        return region_title(code, self.region_labels)

    def labelled(self, kind: str) -> Labels:
        """``types``, ``regions``, ``areas`` or ``statuses``: code -> label."""
        return {'types': self.type_labels, 'regions': self.region_labels,
                'areas': self.area_labels, 'statuses': self.status_labels}[kind]


# -- docs/vocabulary.md ------------------------------------------------------------------------

DOC_TITLES = {'types': ('Types of support', 'type'), 'regions': ('Regions', 'region'),
              'areas': ('Partnership areas', 'areas'), 'statuses': ('Statuses', 'status')}


def markdown(vocabulary: Vocabulary | None = None) -> str:
    """``docs/vocabulary.md``: every code with its label (the defaults unless given)."""
    vocabulary = Vocabulary() if vocabulary is None else vocabulary
    lines = [
        '# Vocabulary',
        '',
        '<!-- Generated from leadership_bot/core/vocabulary.py: do not edit. Regenerate with',
        '     python -m leadership_bot.core.vocabulary > docs/vocabulary.md -->',
        '',
        'The codes of the enumerated fields of a leadership request and their English labels,',
        "as the bot has them built in (Meta-Wiki's). A config file may change them under",
        '`vocabulary:` (see `config/meta.yaml`); `install-templates` writes the configured',
        'ones into the templates and the bot shows them in the directory. On the wiki codes',
        'are not case-sensitive, and a space, `_` and `-` are the same.',
    ]
    for kind, (title, field) in DOC_TITLES.items():
        lines += ['', f'## {title} (`{field}`)', '', '| Code | Label |', '| --- | --- |']
        lines += [f'| `{code}` | {label} |' for code, label in vocabulary.labelled(kind).items()]
    lines += ['', 'The status codes are fixed (the trust rules depend on them); only their',
              'labels can be configured.']
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':  # pragma: no cover - the documented way to regenerate the doc
    sys.stdout.write(markdown())
