"""The text and HTML parts of a delivered mail, as the tests read them."""

from __future__ import annotations

from email.message import EmailMessage


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
