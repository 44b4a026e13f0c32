"""The block guard's reading and saving: the facts :func:`~leadership_bot.core.state.check_block`
decides on, and the fingerprints the bot keeps of its blocks.

What the bot last wrote in each of its blocks is kept in its data page
``leadership-regions.json`` (:mod:`leadership_bot.core.state`; the name is from before blocks
had their own). The decisions are pure and live in the core; this class only reads (that
page, the bot's own revisions of a page when a check needs them, who last edited the
bot's data pages) and saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from leadership_bot.core.blocks import block_digest
from leadership_bot.core.model import Problem
from leadership_bot.core.state import (
    BLOCKS_PAGE,
    BlockCheck,
    BlockFacts,
    OwnRevisions,
    check_block,
    digests_data,
    digests_from,
    foreign_state,
    needs_history,
)

if TYPE_CHECKING:
    from leadership_bot.wiki.site import Wiki


class BlockGuard:
    """What the bot last wrote in each of its blocks, and who changed it since.

    A block's fingerprint is kept in ``leadership-regions.json``; when the page's block
    no longer matches it, the bot's own latest revision of the page decides
    (:func:`~leadership_bot.core.state.check_block`): a block that differs from the one the
    bot saved is a human edit, reported as ``unauthorized-change`` with who made it, and
    replaced.
    """

    def __init__(self, wiki: Wiki) -> None:
        self.wiki = wiki
        self.digests: dict[str, str] = digests_from(wiki.read_own(BLOCKS_PAGE))
        self.touched: set[str] = set()
        self.foreign: set[str] = set()  # data pages someone else edited last
        self._history: dict[str, OwnRevisions] = {}

    def facts(self, title: str, name: str, text: str | None, *,
              own: bool = False) -> BlockFacts:
        """What checking the block ``name`` of ``text`` (the page ``title`` as it is)
        needs; the bot's own revisions of the page are read only when the check needs
        them (:func:`~leadership_bot.core.state.needs_history`) or ``own`` asks for them."""
        known = self.digests.get(title)
        history = self.history(title) if own or needs_history(name, text, known) else None
        return BlockFacts(title, name, text, known, history)

    def history(self, title: str) -> OwnRevisions:
        """The bot's latest revision of ``title`` and the ones after it (read once)."""
        if title not in self._history:
            own, later = self.wiki.own_revision(title)
            self._history[title] = OwnRevisions(own, tuple(later))
        return self._history[title]

    def adopt(self, checks: Iterable[BlockCheck]) -> None:
        """Record the blocks the checks found to be the bot's own but not fingerprinted."""
        for check in checks:
            if check.adopt is not None:
                self._record(check.title, check.adopt)

    def check(self, title: str, name: str, text: str | None) -> Problem | None:
        """``unauthorized-change`` when the block ``name`` of ``text`` is not the bot's
        (facts, check and adoption in one call)."""
        result = check_block(self.facts(title, name, text))
        self.adopt((result,))
        return result.problem

    def wrote(self, title: str, body: str) -> None:
        """The bot's block on ``title`` is now ``body`` (saved, or already there)."""
        self._record(title, body)

    def _record(self, title: str, body: str | None) -> None:
        digest = block_digest(body)
        if digest is not None and self.digests.get(title) != digest:
            self.digests[title] = digest
            self.touched.add(title)

    def check_state(self, names: Iterable[str]) -> list[Problem]:
        """``unauthorized-change`` for each of the bot's data pages last edited by another
        user; they are written again (:meth:`restore`)."""
        titles: Mapping[str, str] = {self.wiki.own_page(n): n for n in (*names, BLOCKS_PAGE)}
        found = foreign_state(titles, self.wiki.latest_authors(titles),
                              self.wiki.site.username())
        self.foreign.update(name for name, _ in found)
        return [problem for _, problem in found]

    def restore(self, name: str) -> bool:
        """Whether the data page ``name`` must be saved although its data did not change."""
        return name in self.foreign

    def save(self) -> None:
        """Save the fingerprints of the blocks written in this run.

        Read again first: a run with another config may have saved its own meanwhile.
        """
        if not self.touched and not self.restore(BLOCKS_PAGE):
            return
        merged = digests_from(self.wiki.read_own(BLOCKS_PAGE))
        merged.update({t: self.digests[t] for t in self.touched})
        self.wiki.save_own(BLOCKS_PAGE, digests_data(merged),
                           f'leadership-bot: fingerprints of {len(self.touched)} blocks it wrote')
        self.touched.clear()
