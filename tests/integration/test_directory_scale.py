"""10,000 organizers: every directory page saves and renders within MediaWiki's limits.

Slow (about a minute): run with ``scripts/test --slow``. The figures it prints are the
ones quoted in the project notes.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from leadership_bot.core.blocks import replace_block
from leadership_bot.core.directory import Organizer, plan_directory
from leadership_bot.core.state import listing_data

REGIONS = ('mena', 'ssa', 'sa', 'eseap', 'ceeca', 'nwe', 'lac', 'usca', 'global')
NAMES = {'en': 'English', 'fr': 'français', 'ar': 'العربية', 'hi': 'हिन्दी'}
MAX_BYTES = 2048 * 1024  # $wgMaxArticleSize and the post-expand include size default


def organizers(count: int, regions: tuple[str, ...]) -> list[Organizer]:
    """Synthetic organizers with long, many-script profiles (the worst realistic rows)."""
    rng = random.Random(7)
    return [Organizer(
        user=f'Organizer {i:05d} {rng.choice(["Łukasz", "أحمد", "田中", "Zoë"])}',
        region=rng.choice(regions), languages=tuple(rng.sample(sorted(NAMES), 3)),
        areas=('glam', 'open-data', 'civil-society'),
        skills=('Partnerships with museums, archives and libraries; [[x]] {{y}} ' * 5)[:300],
        mentor=i % 4 == 0, approved=rng.randint(0, 9), completed=rng.randint(0, 9),
        latest_program='Wikimedia Summit and regional leadership bootcamp ' * 2,
        latest_request=f'Leadership network/Requests/Organizer {i:05d}/Request')
        for i in range(count)]


@pytest.mark.slow
@pytest.mark.parametrize('regions', [REGIONS, ('ssa',)], ids=['nine-regions', 'one-region'])
def test_ten_thousand_organizers_save_and_render_within_limits(admin_session, regions):
    started = time.perf_counter()
    plan = plan_directory(organizers(10_000, regions), REGIONS, 'Scale directory', 500,
                          NAMES, {})
    planned = time.perf_counter() - started
    assert sum(len(p.users) for p in plan.pages) == 10_000
    # The bot's own listing (its data page) fits in one page too, as MediaWiki stores it.
    listing = json.dumps(listing_data(plan.listing, 'Scale directory'), ensure_ascii=False,
                         indent=4)
    assert len(listing.encode('utf-8')) < MAX_BYTES / 2
    largest = 0
    for page in plan.pages:
        text = replace_block(None, 'directory', page.body)
        size = len(text.encode('utf-8'))
        largest = max(largest, size)
        assert size < MAX_BYTES
        admin_session.edit(page.title, text)
        report = admin_session.parse(title=page.title, props=('limitreportdata',))
        limits = {item['name']: item for item in report['limitreportdata']}
        post_expand = limits['limitreport-postexpandincludesize']
        assert post_expand['0'] < post_expand['1']
        expensive = limits['limitreport-expensivefunctioncount']
        assert expensive['0'] <= expensive['1']
    print(f'\n{len(regions)} regions: {len(plan.pages)} pages, largest {largest / 1024:.0f} KiB,'
          f' planned in {planned:.2f} s, saved and parsed in '
          f'{time.perf_counter() - started - planned:.1f} s')
