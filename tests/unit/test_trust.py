"""The trust rules over plain revision data: each case is a page history and what counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadership_bot.core.model import Revision, TextRevision
from leadership_bot.core.trust import (
    ReviewerList,
    judge,
    opted_out,
    parse_user_links,
    reviewer_list,
    value_key,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REVIEWERS = ReviewerList((0,), (frozenset({'Reviewer', 'Rita'}),), frozenset({'Admin'}))
BASE = {'user': 'Amina', 'type': 'attend', 'program': 'Camp', 'region': 'ssa'}
HIDDEN = object()  # a revision whose text revision deletion hides


def history(*edits: tuple[Any, ...]) -> list[Revision]:
    """Revisions oldest first from (author, values) or (author, values, 'moved') edits;
    ``values`` is a dict of the fields the revision holds, or HIDDEN, or None (no request)."""
    revisions = []
    for i, (author, values, *flags) in enumerate(edits):
        revisions.append(Revision(
            revid=i + 1, parentid=i, user=author, timestamp=T0 + dt.timedelta(days=i + 1),
            values=None if values is HIDDEN else dict(values or {}), moved='moved' in flags))
    return revisions


def with_(**changes: str | None) -> dict[str, str]:
    values = {**BASE, **changes}
    return {k: v for k, v in values.items() if v is not None}


APPROVED = with_(status='approved')

# (id, edits, expected values in force (subset), consented, problem codes)
CASES = [
    ('own request', [('Amina', BASE)], BASE, True, []),
    ('a request filed for someone counts once they save it',
     [('Helper', with_(skills='GLAM')), ('Amina', with_(skills='GLAM', goals='x'))],
     {'skills': 'GLAM', 'goals': 'x'}, True, []),
    ('filed for someone who never saved it', [('Helper', BASE)], BASE, False, []),
    ('approved by a reviewer', [('Amina', BASE), ('Reviewer', APPROVED)],
     {'status': 'approved'}, True, []),
    ('self-approval', [('Amina', BASE), ('Amina', APPROVED)],
     {'status': None}, True, ['unauthorized-status']),
    ('a reviewer approving their own request',
     [('Rita', with_(user='Rita')), ('Rita', with_(user='Rita', status='approved'))],
     {'status': None}, True, ['self-decision']),
    ('requester swapped after approval',
     [('Amina', BASE), ('Reviewer', APPROVED), ('Mallet', with_(status='approved', user='Mallet'))],
     {'user': 'Amina', 'status': 'approved'}, True, ['requester-changed']),
    ('requester swapped before a decision, after consent',
     [('Amina', BASE), ('Mallet', with_(user='Mallet'))],
     {'user': 'Amina'}, True, ['requester-changed']),
    ('a reviewer may change the requester; the new one must confirm',
     [('Amina', BASE), ('Reviewer', with_(user='Bea'))], {'user': 'Bea'}, False, []),
    ('anyone sets submitted on an approved request',
     [('Amina', BASE), ('Reviewer', APPROVED), ('1.2.3.4', with_(status='submitted'))],
     {'status': 'approved'}, True, ['unauthorized-status']),
    ('a revert restores what counts and leaves no problem',
     [('Amina', BASE), ('Reviewer', APPROVED), ('1.2.3.4', with_(status='declined')),
      ('Bea', APPROVED)], {'status': 'approved'}, True, []),
    ('revision-deleted vandalism, then a revert by anyone',
     [('Amina', BASE), ('Reviewer', APPROVED), ('', HIDDEN), ('Bea', APPROVED)],
     {'status': 'approved'}, True, []),
    ('a hidden edit does not launder a change made across it',
     [('Amina', BASE), ('Reviewer', APPROVED), ('1.2.3.4', HIDDEN),
      ('Reviewer', with_(status='approved', program='Other'))],
     {'program': 'Camp'}, True, ['unauthorized-change']),
    ('frozen after the decision', [('Amina', BASE), ('Reviewer', APPROVED),
                                   ('Amina', with_(status='approved', amount='9999'))],
     {'amount': None, 'status': 'approved'}, True, ['unauthorized-change']),
    ('a reviewer may change what the decision covers',
     [('Amina', BASE), ('Reviewer', APPROVED), ('Rita', with_(status='approved', amount='5'))],
     {'amount': '5'}, True, []),
    ('profile fields belong to the requester',
     [('Amina', BASE), ('Mallet', with_(directory='yes', skills='spam'))],
     {'directory': None, 'skills': None}, True, ['unauthorized-change']),
    ('the requester changes their profile after a decision',
     [('Amina', BASE), ('Reviewer', APPROVED), ('Amina', with_(status='approved', skills='x'))],
     {'skills': 'x'}, True, []),
    ('withdrawn by the requester', [('Amina', BASE), ('Reviewer', APPROVED),
                                    ('Amina', with_(status='withdrawn'))],
     {'status': 'withdrawn'}, True, []),
    ('withdrawn by someone else', [('Amina', BASE), ('Mallet', with_(status='withdrawn'))],
     {'status': None}, True, ['unauthorized-status']),
    ('a reviewer repairs a broken template with a status the requester typed',
     [('Amina', BASE), ('Amina', with_(status='approved')), ('Reviewer', with_(status='approved'))],
     {'status': None}, True, ['unauthorized-status']),
    ('re-formatting a value is no change',
     [('Amina', BASE), ('Reviewer', APPROVED), ('Bea', with_(status=' Approved ', type='Attend'))],
     {'status': 'approved'}, True, []),
    ('a vandal removes the request', [('Amina', BASE), ('Reviewer', APPROVED), ('1.2.3.4', None)],
     {'status': 'approved', 'user': 'Amina'}, True, ['unauthorized-change']),
    ('the requester removes their own draft', [('Amina', BASE), ('Amina', None)],
     {'user': None}, False, []),
    ('an edit from before a move in is not consent',
     [('Amina', BASE), ('Mover', BASE, 'moved')], BASE, False, []),
    ('a move in voids decisions made elsewhere',
     [('Amina', BASE), ('Reviewer', APPROVED), ('Mover', APPROVED, 'moved')],
     {'status': None}, False, ['unauthorized-status']),
    ('an edit before the page named them is not consent',
     [('Amina', {'user': 'Other'}), ('Mallet', with_(directory='yes'))],
     {'directory': 'yes'}, False, []),
    ('a hidden author is entitled to nothing',
     [('Amina', BASE), ('', with_(status='approved'))], {'status': None}, True,
     ['unauthorized-status']),
]


@pytest.mark.parametrize(('edits', 'expected', 'consented', 'codes'),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_trust(edits, expected, consented, codes):
    verdict = judge('P', history(*edits), REVIEWERS)
    for field, value in expected.items():
        assert value_key(field, verdict.values.get(field)) == value_key(field, value), field
    assert verdict.consented is consented
    assert sorted(p.code for p in verdict.problems) == sorted(codes)


def test_problem_names_the_editor_and_the_requester_in_force():
    verdict = judge('P', history(('Amina', BASE), ('Reviewer', APPROVED),
                                 ('Mallet', with_(status='approved', user='Mallet'))), REVIEWERS)
    [problem] = verdict.problems
    assert problem.user == 'Amina' and 'Mallet' in problem.message


def test_decision_time_is_the_authorized_change():
    verdict = judge('P', history(('Amina', BASE), ('Reviewer', APPROVED),
                                 ('Amina', with_(status='approved', skills='x'))), REVIEWERS)
    assert verdict.decided_at == T0 + dt.timedelta(days=2)


def test_reviewers_are_judged_at_the_time_of_the_decision():
    page = [TextRevision(1, 'Admin', T0, '* [[User:Rita]]'),
            TextRevision(11, 'Admin', T0 + dt.timedelta(days=10), '* nobody')]
    reviewers = reviewer_list(page, ['User'], protected=True, admins={'Admin'})
    before = judge('P', history(('Amina', BASE), ('Rita', APPROVED)), reviewers)
    assert before.status == 'approved'  # decided on day 2, while listed
    late = [(a, v) for a, v in [('Amina', BASE)] + [('Amina', BASE)] * 10 + [('Rita', APPROVED)]]
    after = judge('P', history(*late), reviewers)
    assert after.status == 'submitted'  # decided on day 12, after removal


def test_on_an_unprotected_page_only_names_an_admin_added_count():
    page = [TextRevision(1, 'Admin', T0, '* [[User:Rita]]'),
            TextRevision(2, 'Vandal', T0, '* [[User:Rita]]\n* [[User:Vandal]]')]
    open_page = reviewer_list(page, ['User'], protected=False, admins={'Admin'})
    assert open_page.now == {'Rita', 'Admin'}
    assert reviewer_list(page, ['User'], protected=True, admins={'Admin'}).now == {
        'Rita', 'Vandal', 'Admin'}


def test_hidden_reviewers_revision_keeps_the_list():
    page = [TextRevision(1, 'Admin', T0, '* [[User:Rita]]'),
            TextRevision(2, '', T0 + dt.timedelta(days=1), None)]
    assert 'Rita' in reviewer_list(page, ['User'], protected=True, admins=set()).now


def test_parse_user_links():
    text = ('* [[User:Reviewer]]\n* [[user:second_reviewer|Second]]\n* {{user|third one}}\n'
            '* [[Utilisateur:Quatre]]\n* [[User talk:NotMe]]\n* [[Help:Reviewers]]\n'
            '* [[User:Fifth/sandbox]]\n* <s>[[User:Struck]]</s>\n* <del>{{user|Gone}}</del>\n'
            '<!-- [[User:Commented]] -->')
    assert parse_user_links(text, ['User', 'Utilisateur']) == {
        'Reviewer', 'Second reviewer', 'Third one', 'Quatre', 'Fifth'}


# -- properties over random histories -----------------------------------------------------

EDITORS = ('Amina', 'Bea', 'Reviewer', '', '1.2.3.4')
VALUES = {'user': ('Amina', 'Bea', 'Mallet'), 'status': ('approved', 'completed', 'submitted',
                                                         'withdrawn', 'declined', 'bogus'),
          'skills': ('a', 'b'), 'directory': ('yes', 'no'), 'program': ('Camp', 'Other')}


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    edits: list[tuple[Any, ...]] = []
    for _ in range(draw(st.integers(1, 8))):
        author = draw(st.sampled_from(EDITORS))
        kind = draw(st.sampled_from(['values', 'values', 'values', 'hidden', 'none', 'moved']))
        values = {f: draw(st.sampled_from(v)) for f, v in VALUES.items()
                  if draw(st.booleans())}
        if kind == 'hidden':
            edits.append((author, HIDDEN))
        elif kind == 'none':
            edits.append((author, None))
        else:
            edits.append((author, {**BASE, **values}, *(['moved'] if kind == 'moved' else [])))
    return edits


@settings(max_examples=300, deadline=None)
@given(histories())
def test_without_a_reviewer_no_decision_counts(edits):
    """Whatever anyone else does, only a reviewer's edit can make a decision count."""
    edits = [(('Bea' if a == 'Reviewer' else a), *rest) for a, *rest in edits]
    verdict = judge('P', history(*edits), REVIEWERS)
    assert verdict.status in ('submitted', 'withdrawn')


@settings(max_examples=300, deadline=None)
@given(histories(), st.sampled_from(['', '1.2.3.4', 'Mallet']),
       st.dictionaries(st.sampled_from(sorted(VALUES)), st.sampled_from(['x', 'approved'])))
def test_a_stranger_s_edit_changes_nothing_that_counts(edits, stranger, changes):
    """One more edit by someone who is neither requester nor reviewer moves nothing
    (unless it is the first save of a draft's requester, which a stranger is not)."""
    before = judge('P', history(*edits), REVIEWERS)
    if before.requester in (stranger, 'Mallet') or not before.consented:
        return  # a draft may be shaped by anyone; a stranger who is the requester is not one
    last = edits[-1][1]
    base = dict(last) if isinstance(last, dict) else dict(BASE)
    after = judge('P', history(*edits, (stranger, {**base, **changes})), REVIEWERS)
    def keys(verdict):
        return {f: value_key(f, v) for f, v in verdict.values.items()}
    assert keys(after) == keys(before) and after.consented == before.consented


def test_only_the_user_or_an_admin_takes_a_name_off_the_opt_out_page():
    def rev(i: int, user: str, text: str | None) -> TextRevision:
        return TextRevision(i, user, T0 + dt.timedelta(days=i), text)
    page = [rev(1, 'Amina', '* [[User:Amina]]'),
            rev(2, 'Bea', '* [[User:Amina]]\n* [[User:Bea]]'),
            rev(3, 'Vandal', 'nobody'),  # takes both off: not their names
            rev(4, 'Bea', '* [[User:Cy]]'),  # Bea removes herself; adds Cy (safe side)
            rev(5, '', None)]  # hidden
    assert opted_out(page, ['User'], admins={'Admin'}) == {'Amina', 'Cy'}
    assert opted_out([*page, rev(6, 'Admin', '')], ['User'], admins={'Admin'}) == frozenset()
