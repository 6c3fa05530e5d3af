"""Helpers for the browser tests (the fixtures are in conftest.py)."""

from __future__ import annotations


def type_in_editor(page, text: str) -> None:
    """Type into the focused Trix editor and wait until Trix has taken the text into the
    form's hidden input, as a person waits to see their text. Trix renders a moment after
    the keys, and its render puts the selection, and with it the focus, back in the editor:
    a Tab pressed before then is undone, and a form sent before then lacks the text."""
    page.keyboard.type(text)
    page.wait_for_function(
        "(text) => [...document.querySelectorAll('input[type=hidden]')]"
        ".some((input) => input.value.includes(text))",
        arg=text,
    )
