"""Readable text on colours administrators choose (statuses, priorities).

WCAG 2 contrast: the ratio of the relative luminances of two colours, from 1:1 to 21:1.
For any background, black or white text reaches at least 4.58:1, so choosing the one
with the larger ratio keeps every admin-chosen colour readable (WCAG AA asks 4.5:1).
"""

from __future__ import annotations

import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
BLACK = "#000000"
WHITE = "#ffffff"


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """The WCAG relative luminance of ``#rrggbb`` (0 for black, 1 for white)."""
    if not HEX_COLOUR.match(colour or ""):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    red, green, blue = (_channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1.0 to 21.0)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (at least 4.58:1);
    white for anything that is not a ``#rrggbb`` colour (the neutral default is dark)."""
    if not HEX_COLOUR.match(background or ""):
        return WHITE
    if contrast_ratio(background, BLACK) > contrast_ratio(background, WHITE):
        return BLACK
    return WHITE
