"""Template variables: every name, missing values, hostile template text."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import translation

from tests.factories import EmailTemplateFactory, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import Priority, Ticket
from wagtail_tickets.notifications.events import Event, EventKind, get_notifier
from wagtail_tickets.notifications.rendering import render_mail
from wagtail_tickets.notifications.variables import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    MAX_OUTPUT_LENGTH,
    MAX_VALUE_LENGTH,
    company_values,
    contact_values,
    substitute,
)

DOCUMENTED_VARIABLES = (
    [f"contact:{name}" for name in CONTACT_FIELDS]
    + [f"company:{name}" for name in COMPANY_FIELDS]
    + [
        "AGENT", "MESSAGE", "LINK", "ticket:ticket_number", "ticket:subject", "ticket:company",
        "ticket:first_name", "ticket:middle_name", "ticket:last_name", "ticket:email",
        "ticket:phone",
    ]
)  # fmt: skip


def test_the_allowlists_hold_every_documented_name():
    assert len(CONTACT_FIELDS) == 23 and len(COMPANY_FIELDS) == 28
    assert "sirmadam" in CONTACT_FIELDS and "formatted_post_address" in COMPANY_FIELDS


def full_contact():
    values = {name: f"c-{name}" for name in CONTACT_FIELDS}
    values.update(first_name="Ada", middle_name="King", last_name="Lovelace")
    del values["initials"], values["formatted_address"]
    return SimpleNamespace(**values)


def full_company():
    values = {name: f"k-{name}" for name in COMPANY_FIELDS}
    values.update(pk=42, ctime=datetime.date(2024, 1, 31))
    del values["mtime"], values["formatted_address"], values["formatted_post_address"]
    values["updated_at"] = datetime.date(2024, 2, 29)  # a common alias of mtime
    return SimpleNamespace(**values)


def test_contact_and_company_values_cover_every_name_from_the_records():
    contact = contact_values(full_contact())
    assert set(contact) == {f"contact:{n}" for n in CONTACT_FIELDS}
    assert all(contact.values())
    assert contact["contact:initials"] == "A.K.L."
    assert (
        contact["contact:formatted_address"]
        == "c-address c-address_no\nc-zip c-city\nc-state\nc-country"
    )
    with translation.override("en"):
        company = company_values(full_company())
    assert set(company) == {f"company:{n}" for n in COMPANY_FIELDS}
    assert all(company.values())
    assert company["company:id"] == "42"
    assert company["company:mtime"] == "02/29/2024"
    assert company["company:formatted_post_address"].startswith("k-post_address k-post_address_no")


def test_missing_values_are_empty_never_errors():
    class Broken:
        @property
        def city(self):
            raise RuntimeError("host bug")

        def first_name(self):  # a method, not a value: never called
            raise AssertionError("called")

        email = None
        zip = ["not", "text"]

    contact = contact_values(Broken())
    assert contact["contact:city"] == contact["contact:first_name"] == contact["contact:zip"] == ""
    assert set(company_values(None).values()) == {""}
    anonymous = contact_values(None, "Grace Brewster Hopper", "grace@example.com")
    assert (anonymous["contact:first_name"], anonymous["contact:middle_name"]) == (
        "Grace",
        "Brewster",
    )
    assert anonymous["contact:last_name"] == "Hopper"
    assert anonymous["contact:email"] == "grace@example.com"
    assert anonymous["contact:sirmadam"] == ""


@pytest.mark.django_db
def test_every_documented_variable_renders_from_a_real_ticket(world):
    world.carla.ticket_profile = None
    ticket = make_ticket(world.carla, world.support, priority=Priority.objects.get(name="High"))
    actions.claim_ticket(ticket, actor=world.anna)
    message = actions.add_reply(ticket, actor=world.anna, body_html="<p>Fixed <b>it</b></p>")
    ticket = Ticket.objects.get(pk=ticket.pk)
    notifier = get_notifier()
    event = Event(EventKind.REPLIED, ticket, actor=world.anna, message=message)
    values = notifier.variables(event, link="https://help.example/t/1/")
    assert set(DOCUMENTED_VARIABLES) <= set(values)
    assert all(isinstance(v, str) for v in values.values())
    expected = {
        "contact:first_name": "Carla", "contact:last_name": "Customer",
        "contact:email": "carla@example.com", "contact:initials": "C.C.",
        "company:name": "ACME Ltd", "company:email": "office@acme.example",
        "company:id": str(world.company.pk), "ticket:ticket_number": ticket.number,
        "ticket:number": ticket.number, "ticket:subject": "Printer on fire",
        "ticket:company": "ACME Ltd", "ticket:first_name": "Carla", "ticket:last_name": "Customer",
        "ticket:email": "carla@example.com", "ticket:priority": "High", "ticket:type": "Support",
        "AGENT": "Anna Agent", "MESSAGE": "Fixed it", "LINK": "https://help.example/t/1/",
        # the test company has no such fields: empty, not an error
        "contact:sirmadam": "", "company:iban": "", "ticket:phone": "", "ticket:middle_name": "",
    }  # fmt: skip
    assert {k: values[k] for k in expected} == expected
    template = EmailTemplateFactory(
        kind="default_reply",
        ticket_type=world.support,
        language="en",
        body=" ".join("{" + name + "}" for name in DOCUMENTED_VARIABLES),
    )
    rendered = notifier.render(template, event, "en", "https://help.example/t/1/")
    assert "Carla" in rendered.text and "ACME Ltd" in rendered.text
    assert "{" not in rendered.text.split("--")[0]
    assert "<p>Fixed <b>it</b></p>" in rendered.html


def test_unknown_and_hostile_names_render_empty():
    values = {"ticket:subject": "Hello", "AGENT": "Anna"}
    template = (
        "{ticket:__class__}{ticket:subject.__class__}{ticket.subject}{ticket:__init__.__globals__}"
        "{contact:password}{settings:SECRET_KEY}{__import__}{{ticket:subject}}{ticket:subject!r}"
        "{ticket:subject:>999999999}{AGENT}"
    )
    # Well-formed unknown names are empty; anything else is left as the literal text the
    # administrator typed: nothing is ever evaluated or looked up as an attribute.
    assert substitute(template, values) == (
        "{ticket:subject.__class__}{ticket.subject}{ticket:__init__.__globals__}"
        "{__import__}{Hello}{ticket:subject!r}{ticket:subject:>999999999}Anna"
    )


def test_output_is_bounded_however_the_template_is_padded():
    huge_value = {"ticket:subject": "x" * 10_000_000}
    out = substitute("{ticket:subject}" * 1000, huge_value)
    assert len(out) <= MAX_OUTPUT_LENGTH
    assert len(substitute("{ticket:subject}", huge_value)) == MAX_VALUE_LENGTH
    padded = "A" * 5_000_000
    assert len(substitute(padded, {})) == MAX_OUTPUT_LENGTH
    html_out = substitute("<&>" * 1_000_000, {}, html_output=True)
    assert len(html_out) <= MAX_OUTPUT_LENGTH and not html_out.endswith("&amp")


def test_values_are_escaped_in_the_html_part_and_message_is_the_sanitised_html():
    values = {"ticket:subject": '<script>alert(1)</script> & "q"', "MESSAGE": "plain"}
    html = substitute(
        "<b>{ticket:subject}</b>\n{MESSAGE}",
        values,
        html_output=True,
        raw_html={"MESSAGE": "<p>safe</p>"},
    )
    assert "<script>" not in html
    assert "&lt;b&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;&lt;/b&gt;" in html
    assert html.endswith("<br>\n<p>safe</p>")
    text = substitute("<b>{ticket:subject}</b>", values)
    assert text == '<b><script>alert(1)</script> & "q"</b>'  # text part: nothing to escape


def test_rendered_subject_is_one_prefixed_line():
    rendered = render_mail(
        subject_template="{ticket:subject}\r\nBcc: evil@example.com",
        body_template="Body",
        values={"ticket:subject": "Hi\nthere"},
        message_html="",
        ticket_number="260001",
        link="",
        language="en",
    )
    assert rendered.subject == "[ts #260001] Hi there Bcc: evil@example.com"
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


def test_contact_fields_the_account_lacks_come_from_the_customer_record():
    user = SimpleNamespace(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    record = SimpleNamespace(
        first_name="Someone", salutation="Dear Ms Lovelace", department="R&D", work_phone="+44 1"
    )
    contact = contact_values(user, record=record)
    assert contact["contact:first_name"] == "Ada"  # the account wins
    assert contact["contact:salutation"] == "Dear Ms Lovelace"
    assert (contact["contact:department"], contact["contact:work_phone"]) == ("R&D", "+44 1")
    assert contact_values(user, record=None)["contact:salutation"] == ""
