"""The request cases of tests/cases/requests.yaml through the bot's parser and validator.

Each case is a page text (a variation of a base request, or raw wikitext) and what the
bot must report: problem codes, the fields they name, words of their messages, whom they
are attributed to, and whether (and with which values) the request counts. The same
cases go through the on-wiki template in
tests/integration/test_request_cases_template.py.
"""

from __future__ import annotations

import pytest

from leadership_bot.core.model import FIELDS
from tests.cases.request_cases import BASES, RequestCase, check_bot, load

CASES = load()


def test_the_cases_are_well_formed() -> None:
    """load() checks each case's form; the full base uses every field, in order."""
    assert len(CASES) >= 100
    assert tuple(BASES['full']) == FIELDS
    assert set(BASES['minimal']) == {'user', 'type', 'program', 'region'}


@pytest.mark.parametrize('case', CASES, ids=[case.id for case in CASES])
def test_the_bot_reports_what_the_case_says(case: RequestCase) -> None:
    check_bot(case)
