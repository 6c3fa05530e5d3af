"""The site owner's custom CSS, made safe to put inside a ``<style>`` element.

The HTML parser ends a ``<style>`` element at the first ``</style``, whatever CSS thinks;
so every ``<`` becomes the CSS escape ``\\3c `` (the same character to CSS, nothing to
HTML). The CSS can then neither close its element nor start markup or a comment.
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe


def css_for_style_element(css: str) -> SafeString:
    text = (css or "").replace("\x00", "").replace("<", "\\3c ")
    return mark_safe(text)  # noqa: S308  (no "<" left: cannot leave the style element)
