"""The request cases of tests/cases/requests.yaml through the on-wiki template.

Each case's page text is rendered by the local wiki (``action=parse`` under a title in
the request prefix, with the templates ``install-templates`` published) and its preview
must warn about exactly the fields the case says (``preview``, else the bot's
``fields``), be in the errors category exactly when it warns, and be in the case's
categories. The bot runs on the same text side by side: where the case documents no
difference, the bot reports a problem exactly when the box shows a warning, about the
same fields. tests/unit/test_request_cases.py runs the same cases through the bot alone.
"""

from __future__ import annotations

import pytest

from devwiki.wikiuser import WikiSession
from tests.cases.request_cases import TITLE, RequestCase, bot_result, check_bot, load, named_fields

from .conftest import Seeded
from .test_templates import Rendered

CASES = load()
ERRORS = 'Leadership requests with errors'


@pytest.fixture(scope='module')
def wiki(seeded: Seeded, admin_session: WikiSession) -> WikiSession:
    """An admin session on the wiki where the templates are installed."""
    return admin_session


@pytest.mark.parametrize('case', CASES, ids=[case.id for case in CASES])
def test_the_template_preview_shows_what_the_case_says(wiki: WikiSession,
                                                       case: RequestCase) -> None:
    rendered = Rendered.of(wiki.parse(text=case.text, title=TITLE, props=(
        'text', 'categories', 'links', 'externallinks')))
    errors = rendered.errors
    warned = [named_fields([error]) for error in errors]
    assert all(warned), errors  # every warning names the field it is about
    assert set().union(*warned) == case.preview, (errors, case.why)
    if case.preview:
        assert ERRORS in rendered.categories, rendered.categories
        assert 'Leadership requests' in rendered.categories, rendered.categories
    else:
        assert ERRORS not in rendered.categories, rendered.categories
    assert set(case.categories) <= rendered.categories, rendered.categories
    check_bot(case)
    if not case.why:  # no documented difference: the bot and the box agree
        _, problems = bot_result(case)
        messages = [p.message for p in problems]
        assert bool(problems) == bool(errors), (messages, errors)
        assert named_fields(messages) == named_fields(errors), (messages, errors)
