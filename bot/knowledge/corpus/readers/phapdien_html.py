"""Splits a Pháp điển đề mục HTML page into its classed paragraphs (chapter, article heading, note, body, links)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bot.knowledge.corpus.readers.textutil import clean_lines

KINDS = frozenset({"pChuong", "pDieu", "pGhiChu", "pNoiDung", "pChiDan"})
_REF = re.compile(r"ViewNoiDungPhapDien\(\s*'([^']+)'")
_BREAKS = frozenset({"br", "tr", "div", "li", "table", "h1", "h2", "h3", "h4"})


@dataclass
class Block:
    """One classed paragraph: its text lines, the anchor it names, the anchors it links to, its href."""

    kind: str
    parts: list[str] = field(default_factory=list)
    anchor: str = ""
    refs: list[str] = field(default_factory=list)
    href: str = ""

    @property
    def lines(self) -> list[str]:
        """Cleaned non-empty lines."""
        return clean_lines("".join(self.parts))

    @property
    def text(self) -> str:
        """Lines joined by newlines."""
        return "\n".join(self.lines)


class _Splitter(HTMLParser):
    """Collects the top-level classed <p> blocks; nested <p> inside a body become line breaks."""

    def __init__(self) -> None:
        """Empty state."""
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.depth = 0
        self.cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a block, or mark breaks and links inside one."""
        a = {k: v or "" for k, v in attrs}
        if tag == "p":
            kind = a.get("class", "").strip()
            if kind in KINDS:
                self._close()
                self.current, self.depth = Block(kind), 1
            elif self.current is not None:
                self.depth += 1
                self.current.parts.append("\n")
            return
        block = self.current
        if block is None:
            return
        if tag in _BREAKS:
            block.parts.append("\n")
        elif tag in ("td", "th"):
            # cells of one row on one line, separated like a table
            block.parts.append(" | " if self.cell else "")
            self.cell = True
        elif tag == "a":
            if a.get("name") and not block.anchor:
                block.anchor = a["name"].strip()
            ref = _REF.search(a.get("onclick", ""))
            if ref:
                block.refs.append(ref.group(1).strip())
            if a.get("href", "").startswith("http") and not block.href:
                block.href = a["href"].strip()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """<br/> and friends."""
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        """Close the block when its own </p> arrives."""
        if self.current is None:
            return
        if tag == "p":
            self.depth -= 1
            self.current.parts.append("\n")
            if self.depth <= 0:
                self._close()
        elif tag in ("tr", "table"):
            self.current.parts.append("\n")
            self.cell = False

    def handle_data(self, data: str) -> None:
        """Text of the open block."""
        if self.current is not None:
            self.current.parts.append(data)

    def _close(self) -> None:
        """End the open block."""
        if self.current is not None:
            self.blocks.append(self.current)
        self.current, self.depth, self.cell = None, 0, False

    def close(self) -> None:
        """Flush the last block."""
        super().close()
        self._close()


def split_blocks(html: str) -> list[Block]:
    """The classed blocks of a đề mục page, in order."""
    parser = _Splitter()
    parser.feed(html)
    parser.close()
    return parser.blocks
