"""The external page ships translated: German, Dutch and Italian visitors read it in
their language."""

from __future__ import annotations

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.activate("en")  # the middleware leaves the thread's language switched


@pytest.mark.parametrize(
    "language, heading, name",
    [
        ("de", "Support kontaktieren", "Ihr Name"),
        ("nl", "Contact met support", "Uw naam"),
        ("it", "Contatta l'assistenza", "Il suo nome"),
    ],
)
def test_new_ticket_page_is_translated(client, page, language, heading, name):
    html = client.get("/tickets/external/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{language}"' in html
    assert heading in html and name in html


def test_refusal_messages_are_translated(client, page, visitor_data):
    visitor_data["website"] = "spam"
    response = client.post("/tickets/external/", visitor_data, HTTP_ACCEPT_LANGUAGE="de")
    assert "Ihre Nachricht sieht automatisch erzeugt aus" in response.content.decode()
