"""Consent and decision attribution over plain revision data."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.model import Request, Revision
from bots.trust import attribute_status, check_consent, parse_user_links

REVIEWERS = frozenset({'Reviewer', 'Admin'})
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def history(*revs: tuple[str, str]) -> list[Revision]:
    """Revisions oldest first as (user, status); returned newest first like the walk."""
    out = [Revision(revid=i + 1, parentid=i, user=user, timestamp=T0 + dt.timedelta(days=i),
                    status=status) for i, (user, status) in enumerate(revs)]
    return out[::-1]


def request(user: str = 'Amina') -> Request:
    return Request(page='P', page_id=1, revid=1, user=user, type='attend', program='X',
                   region='ssa')


@pytest.mark.parametrize(('revs', 'effective', 'set_by'), [
    ([('Amina', 'submitted'), ('Reviewer', 'approved')], 'approved', 'Reviewer'),
    ([('Amina', 'submitted'), ('Amina', 'approved')], 'submitted', 'Amina'),
    ([('Amina', 'approved')], 'submitted', 'Amina'),
    ([('Amina', 'submitted'), ('Reviewer', 'approved'), ('Amina', 'approved')],
     'approved', 'Reviewer'),
    ([('Amina', 'submitted'), ('Reviewer', 'under-review'), ('Mallory', 'approved')],
     'under-review', 'Mallory'),
    ([('Amina', 'submitted'), ('Reviewer', 'approved'), ('Amina', 'withdrawn')],
     'withdrawn', 'Amina'),
    ([('Amina', 'submitted'), ('Mallory', 'withdrawn')], 'submitted', 'Mallory'),
    ([('Amina', 'submitted'), ('Admin', 'completed')], 'completed', 'Admin'),
    ([('Amina', 'submitted'), ('Reviewer', 'approved'), ('Mallory', 'submitted'),
      ('Mallory', 'approved')], 'submitted', 'Mallory'),
])
def test_attribution(revs, effective, set_by):
    result = attribute_status(history(*revs), 'Amina', REVIEWERS)
    assert result is not None
    assert (result.effective, result.set_by) == (effective, set_by)
    assert result.current == revs[-1][1]
    assert result.authorized == (effective == revs[-1][1])


def test_attribution_asks_for_more_history_until_it_can_decide():
    full = history(('Amina', 'submitted'), ('Reviewer', 'approved'), ('Amina', 'approved'))
    assert attribute_status(full[:1], 'Amina', REVIEWERS) is None
    assert attribute_status(full[:2], 'Amina', REVIEWERS) is None
    assert attribute_status(full, 'Amina', REVIEWERS) is not None


def test_attribution_with_a_hidden_parent_treats_the_oldest_known_as_creation():
    partial = history(('X', 'submitted'), ('Reviewer', 'approved'))[:1]
    result = attribute_status(partial, 'Amina', REVIEWERS, complete=True)
    assert result is not None and result.effective == 'approved'


def test_decision_time_is_the_authorized_change():
    result = attribute_status(history(('Amina', 'submitted'), ('Reviewer', 'approved'),
                                      ('Amina', 'approved')), 'Amina', REVIEWERS)
    assert result is not None and result.decided_at == T0 + dt.timedelta(days=1)


def test_consent():
    assert check_consent(request(), {'Amina', 'Other'}) is None
    problem = check_consent(request(), {'Other'})
    assert problem is not None and problem.code == 'unverified-requester'
    assert problem.user == 'Amina'


def test_parse_user_links():
    text = ('* [[User:Reviewer]]\n* [[user:second_reviewer|Second]]\n* {{user|third one}}\n'
            '* [[Utilisateur:Quatre]]\n* [[User talk:NotMe]]\n* [[Help:Reviewers]]\n'
            '* [[User:Fifth/sandbox]]')
    assert parse_user_links(text, ['User', 'Utilisateur']) == {
        'Reviewer', 'Second reviewer', 'Third one', 'Quatre', 'Fifth'}
