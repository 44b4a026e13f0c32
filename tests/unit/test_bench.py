"""The benchmark's accounting: each API request kind lands in the line that names it."""

from __future__ import annotations

from bench.run import findings, request_kind


def test_request_kinds_name_how_a_request_selects() -> None:
    assert request_kind('POST', 'action=query prop=revisions|info titles=A|B rvprop=content'
                        ) == 'POST query prop=revisions|info titles=(many) +content'
    assert request_kind('POST', 'action=query prop=revisions revids=1|2|3'
                        ) == 'POST query prop=revisions revids=(many)'
    assert request_kind('POST', 'action=query prop=revisions titles=A rvlimit=50'
                        ) == 'POST query prop=revisions titles=(1) history'


def test_page_reads_and_histories_are_counted() -> None:
    kinds = [('POST query prop=revisions|info titles=(many) +content', 2, 0.2),
             ('POST query prop=revisions revids=(many) +content', 3, 0.1),
             ('POST query prop=info|revisions titles=(1) +content', 15, 0.1),
             ('POST edit', 7, 0.1), ('POST paraminfo', 6, 0.0)]
    record = {'steps': [{'name': 'full', 'breakdown': kinds,
                         'requests': sum(c for _, c, _ in kinds)}]}
    text = '\n'.join(findings(record))
    assert 'reading the request pages (`prop=revisions` with content, 500 titles a batch): ' \
           '2 requests' in text
    assert 'page histories (`prop=revisions` by `revids`, many a request): 3 requests' in text
    assert '`revids=(1)`): 15 requests' in text
    assert '7 edits; everything else: the rest of the 33' in text
