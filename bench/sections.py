"""Sections of docs/PERFORMANCE.md written by other runs than ``bench/run`` (the scale-out
load run): each between its own markers, replaced by its run and kept when ``bench/run``
rewrites the rest of the page."""

from __future__ import annotations

import re
from pathlib import Path

_BLOCK = re.compile(r"<!-- section: ([a-z-]{1,40}) -->\n.*?<!-- end of section -->\n", re.S)


def kept(path: Path) -> str:
    """Every marked section of the page, in order, as it stands."""
    if not path.exists():
        return ""
    return "".join(match.group(0) for match in _BLOCK.finditer(path.read_text()))


def replace(path: Path, name: str, text: str) -> None:
    """Put ``text`` as section ``name`` into the page: in place of the old one, or at the
    end."""
    block = f"<!-- section: {name} -->\n{text.rstrip()}\n<!-- end of section -->\n"
    page = path.read_text() if path.exists() else ""
    for match in _BLOCK.finditer(page):
        if match.group(1) == name:
            path.write_text(page[: match.start()] + block + page[match.end() :])
            return
    path.write_text(page.rstrip("\n") + "\n\n" + block)
