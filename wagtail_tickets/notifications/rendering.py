"""Turn an email template and its variables into subject, text and HTML.

The administrator's text is filled by ``variables.substitute`` (no template code); the
result is wrapped in the package's layout with django-templated-mail
(``wagtail_tickets/email/notification.html``: its ``subject``, ``text_body`` and
``html_body`` blocks only ``{% include %}`` their parts, because templated-mail renders each
top-level block on its own and an ``{% extends %}`` would render empty).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.safestring import mark_safe
from templated_mail.mail import BaseEmailMessage

from ..conf import default_language
from ..sanitize import clean_subject
from .variables import substitute

SUBJECT_PREFIX = "[ts #{number}] "
MAX_SUBJECT_LENGTH = 250
LAYOUT_TEMPLATE = "wagtail_tickets/email/notification.html"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


class TicketEmail(BaseEmailMessage):
    """templated-mail message whose blocks include the package's layout parts."""

    template_name = LAYOUT_TEMPLATE


def subject_line(number: str, rendered: str) -> str:
    """``[ts #<number>] `` + one line of subject; CR/LF and other control characters
    never survive (they would start a new header)."""
    prefix = SUBJECT_PREFIX.format(number=clean_subject(number, 32))
    return prefix + clean_subject(rendered, MAX_SUBJECT_LENGTH - len(prefix))


def render_mail(
    *,
    subject_template: str,
    body_template: str,
    values: Mapping[str, str],
    message_html: str,
    ticket_number: str,
    link: str,
    language: str,
    template_name: str = LAYOUT_TEMPLATE,
) -> RenderedMail:
    """Render one mail in ``language`` (the layout's own words are translated too)."""
    with translation.override(language or default_language()):
        subject = subject_line(ticket_number, substitute(subject_template, values))
        text = substitute(body_template, values)
        html = substitute(
            body_template, values, html_output=True, raw_html={"MESSAGE": message_html}
        )
        email = TicketEmail(
            template_name=template_name,
            context={
                "subject": subject,
                "text_content": text,
                "html_content": mark_safe(html),  # every value escaped by substitute()
                "ticket_number": ticket_number,
                "link": link,
                "language": language,
                "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
            },
        )
        email.render()
    return RenderedMail(
        subject=clean_subject(email.subject, MAX_SUBJECT_LENGTH) or subject,
        text=email.body,
        html=email.html or "",
    )
