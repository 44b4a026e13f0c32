"""Benchmark of ``leadership-bot`` at scale on a throwaway local wiki (``scripts/bench``).

Not a test: CI does not run it. ``bench.run`` seeds N synthetic requests with
``importDump.php``, measures the bot's full, no-op and incremental runs and the plain
pywikibot baselines of ``bench.baseline``, and writes ``bench/results.md``.
"""
