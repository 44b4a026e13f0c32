"""Development tooling: a throwaway local MediaWiki, seeding and a raw API client.

Used by scripts/, tests/ and bench/; not part of the installed product.
"""
