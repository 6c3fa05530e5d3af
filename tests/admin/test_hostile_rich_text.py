"""Rich text entities from a forged editor payload, in every admin form with a rich text
field: the agent's reply, a new ticket on a customer's behalf, and response templates
(email templates are plain text; their markup is never expanded).

A page link's id past 64 bits, negative, a word, missing, of no page, of a draft or a
private page; documents, images, media embeds and unknown entity types: each is a form
error or dropped by the editor's converter, never a 500, and nothing a customer receives
holds an entity. Stored text an editor cannot read (a template saved before these checks)
still opens. Run on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import json
import logging

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import Page, PageViewRestriction

from tests.factories import (
    ResponseTemplateFactory,
    TicketTypeFactory,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import rich_text
from wagtail_tickets.admin.forms import EditorField
from wagtail_tickets.models import EmailTemplate, Message, ResponseTemplate, Ticket

pytestmark = pytest.mark.django_db

HOSTILE_IDS = [
    99999999999999999999,
    "99999999999999999999",
    -99999999999999999999,
    9223372036854775808,
    "9223372036854775808",
    -1,
    0,
    "",
    "abc",
    "1e5",
    1.5,
    "１",
    "²",
    "1\x00",
    "1 OR 1=1",
    '"><script>alert(1)</script>',
    "x" * 10_000,
    True,
    [1],
    {"id": 1},
]
ENTITY_MARKERS = ("linktype", "embedtype", "<embed", "<iframe", "<script")


def contentstate(entity_type: str, data: dict, *, atomic: bool = False) -> str:
    """Draftail's payload: one block holding one entity of ``entity_type``."""
    text = " " if atomic else "see this"
    block = {
        "key": "b1",
        "text": text,
        "type": "atomic" if atomic else "unstyled",
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [{"offset": 0, "length": len(text), "key": 0}],
        "data": {},
    }
    entity = {"type": entity_type, "mutability": "MUTABLE", "data": data}
    return json.dumps({"blocks": [block], "entityMap": {"0": entity}})


def page_link(page_id) -> str:
    return contentstate("LINK", {"id": page_id, "url": "/somewhere/"})


@pytest.fixture
def pages():
    """Under the home page: a live public page, a draft and a private page."""
    home = Page.objects.get(depth=2)
    public = home.add_child(instance=Page(title="Help", slug="help"))
    draft = home.add_child(instance=Page(title="Draft", slug="draft", live=False))
    private = home.add_child(instance=Page(title="Staff", slug="staff"))
    PageViewRestriction.objects.create(page=private, restriction_type="login")
    hidden_child = private.add_child(instance=Page(title="Below staff", slug="below"))
    return {"public": public, "draft": draft, "private": private, "hidden_child": hidden_child}


@pytest.fixture
def world():
    hardware = TicketTypeFactory(name="Hardware")
    customer = make_customer(hardware, username="carla")
    agent = make_agent(hardware, username="anna", first_name="Anna")
    ticket = make_ticket(customer, hardware, subject="Printer jam")
    return {"hardware": hardware, "customer": customer, "agent": agent, "ticket": ticket}


@pytest.fixture
def agent_client(client, world, caplog):
    caplog.set_level(logging.ERROR)
    client.force_login(world["agent"])
    yield client
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors


def reply(client, ticket, body):
    url = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    return client.post(url, {"body": body})


def assert_customers_get_no_entities():
    for body in Message.objects.values_list("body_html", flat=True):
        for marker in ENTITY_MARKERS:
            assert marker not in body, body


# The agent's reply ---------------------------------------------------------------------


@pytest.mark.parametrize("page_id", HOSTILE_IDS, ids=lambda value: repr(value)[:30])
def test_a_reply_linking_to_a_page_id_that_is_no_page_is_a_form_error(agent_client, world, page_id):
    before = Message.objects.count()
    response = reply(agent_client, world["ticket"], page_link(page_id))
    assert response.status_code == 200
    assert response.context["reply_form"].errors["body"]
    assert Message.objects.count() == before
    assert b"<script>alert(1)" not in response.content


@pytest.mark.parametrize("which", ["draft", "private", "hidden_child"])
def test_a_reply_linking_to_a_page_customers_cannot_open_is_a_form_error(
    agent_client, world, pages, which
):
    before = Message.objects.count()
    response = reply(agent_client, world["ticket"], page_link(pages[which].pk))
    assert response.status_code == 200
    assert "not published for everyone" in str(response.context["reply_form"].errors["body"])
    assert Message.objects.count() == before


def test_a_reply_linking_to_a_missing_page_is_a_form_error(agent_client, world, pages):
    missing = Page.objects.order_by("-pk").first().pk + 100
    response = reply(agent_client, world["ticket"], page_link(missing))
    assert response.status_code == 200
    assert response.context["reply_form"].errors["body"]


def test_a_reply_linking_to_a_public_page_is_sent_with_its_address(agent_client, world, pages):
    response = reply(agent_client, world["ticket"], page_link(pages["public"].pk))
    assert response.status_code == 302
    body = world["ticket"].messages.latest("created_at").body_html
    assert f'href="{pages["public"].url}"' in body
    assert_customers_get_no_entities()


@pytest.mark.parametrize(
    "entity_type,data,atomic",
    [
        ("DOCUMENT", {"id": 99999999999999999999}, False),
        ("DOCUMENT", {"id": "abc"}, False),
        ("IMAGE", {"id": 99999999999999999999, "format": "left", "alt": "x"}, True),
        ("IMAGE", {"id": -1, "format": '"><script>', "alt": '"><script>'}, True),
        ("EMBED", {"url": "javascript:alert(1)"}, True),
        ("EMBED", {"url": 99999999999999999999}, True),
        ("LINK", {"url": "javascript:alert(1)"}, False),
        ("LINK", {"url": 99999999999999999999}, False),
        ("LINK", {"url": None}, False),
        ("LINK", {}, False),
        ("UNKNOWN", {"id": 99999999999999999999}, False),
    ],
)
def test_other_entities_never_fail_and_never_reach_the_customer(
    agent_client, world, entity_type, data, atomic
):
    response = reply(agent_client, world["ticket"], contentstate(entity_type, data, atomic=atomic))
    assert response.status_code in (200, 302)
    assert_customers_get_no_entities()
    assert b'"><script>' not in response.content


def test_a_new_ticket_linking_to_a_page_id_past_64_bits_is_a_form_error(agent_client, world):
    response = agent_client.post(
        reverse("wagtail_tickets_inbox:add"),
        {
            "ticket_type": world["hardware"].pk,
            "requester": world["customer"].pk,
            "subject": "Linked",
            "body": page_link(99999999999999999999),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not Ticket.objects.filter(subject="Linked").exists()


# Response templates --------------------------------------------------------------------


def template_data(body: str, name: str = "Linked") -> dict:
    return {"name": name, "body": body, "sort_order": 0}


@pytest.fixture
def admin_client(client, caplog):
    from django.contrib.auth import get_user_model

    caplog.set_level(logging.ERROR)
    client.force_login(get_user_model().objects.create_superuser("root", "r@x.org", "pw"))
    yield client
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors


@pytest.mark.parametrize("page_id", HOSTILE_IDS, ids=lambda value: repr(value)[:30])
def test_a_response_template_linking_to_no_page_is_a_form_error(admin_client, page_id):
    url = reverse("wagtail_tickets_response_templates:add")
    response = admin_client.post(url, template_data(page_link(page_id)))
    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not ResponseTemplate.objects.filter(name="Linked").exists()


def test_a_response_template_keeps_a_public_page_link_as_an_entity(
    admin_client, world, pages, client
):
    url = reverse("wagtail_tickets_response_templates:add")
    response = admin_client.post(url, template_data(page_link(pages["public"].pk)))
    assert response.status_code == 302
    body = ResponseTemplate.objects.get(name="Linked").body
    assert f'linktype="page" id="{pages["public"].pk}"' in body
    # editing it again and using it in a reply
    template = ResponseTemplate.objects.get(name="Linked")
    edit = admin_client.get(reverse("wagtail_tickets_response_templates:edit", args=[template.pk]))
    assert edit.status_code == 200
    client.force_login(world["agent"])
    workspace = reverse("wagtail_tickets_inbox:edit", args=[world["ticket"].pk])
    assert client.get(workspace, {"template": template.pk}).status_code == 200


def test_a_garbled_response_template_payload_is_kept_as_sanitised_text(admin_client):
    url = reverse("wagtail_tickets_response_templates:add")
    raw = '{"blocks": 5}<a linktype="page" id="99999999999999999999">x</a><script>x</script>'
    response = admin_client.post(url, template_data(raw))
    assert response.status_code == 302
    body = ResponseTemplate.objects.get(name="Linked").body
    assert "linktype" not in body and "<script" not in body


STORED = [
    '<p><a linktype="page" id="99999999999999999999">far</a></p>',
    '<p><a linktype="page" id="abc">word</a></p>',
    '<p><a linktype="page" id="">empty</a></p>',
    '<p><a linktype="page">no id</a></p>',
    '<p><a linktype="page" id="-1">negative</a></p>',
    '<p><a linktype="document" id="99999999999999999999">doc</a></p>',
    '<p><a linktype="document">doc without id</a></p>',
    '<embed embedtype="image" id="abc" format="left" alt="a"/>',
    '<embed embedtype="image" format="left"/>',
    '<embed embedtype="media" url="99999999999999999999"/>',
    '<p><a linktype="unknown" id="1">unknown</a></p>',
    "<p><a linktype='page' id='abc'>single quotes</a></p>",
]


@pytest.mark.parametrize("stored", STORED)
def test_a_stored_template_the_editor_cannot_read_still_opens(admin_client, world, client, stored):
    template = ResponseTemplateFactory(name="Old", body=stored)
    edit = admin_client.get(reverse("wagtail_tickets_response_templates:edit", args=[template.pk]))
    assert edit.status_code == 200
    client.force_login(world["agent"])
    workspace = reverse("wagtail_tickets_inbox:edit", args=[world["ticket"].pk])
    assert client.get(workspace, {"template": template.pk}).status_code == 200
    template.is_default = True
    template.save()
    assert client.get(workspace).status_code == 200


def test_email_templates_are_plain_text_and_never_expand_entities(admin_client, world):
    template = EmailTemplate.objects.order_by("pk").first()
    url = reverse("wagtail_tickets_email_templates:edit", args=[template.pk])
    form = admin_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["body"] = '<a linktype="page" id="99999999999999999999">x</a> {MESSAGE}'
    response = admin_client.post(url, data)
    assert response.status_code in (200, 302)
    preview = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
    response = admin_client.get(preview, {"ticket": world["ticket"].number})
    assert response.status_code == 200


# The check itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<a linktype="page" id="99999999999999999999">x</a>',
        '<a linktype="page" id="9223372036854775808">x</a>',
        '<a linktype="page" id="-1">x</a>',
        '<a linktype="page" id="abc">x</a>',
        '<a linktype="page" id="">x</a>',
        '<a linktype="page">x</a>',
        '<a linktype="page" id="１">x</a>',
        '<a linktype="document" id="1">x</a>',
        '<a linktype="external" href="https://example.com">x</a>',
        '<a linktype="">x</a>',
        '<embed embedtype="image" id="1" format="left" alt=""/>',
        '<embed embedtype="media" url="https://example.com/v"/>',
        "<embed/>",
    ],
)
def test_validate_entities_refuses(html):
    with pytest.raises(ValidationError):
        rich_text.validate_entities(f"<p>before</p>{html}<p>after</p>")


def test_validate_entities_accepts_links_to_addresses_and_public_pages(
    pages, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        rich_text.validate_entities('<p><a href="https://example.com">x</a> text <b>b</b></p>')
        rich_text.validate_entities("")
    public = pages["public"].pk
    with django_assert_max_num_queries(2):
        rich_text.validate_entities(
            f'<p><a linktype="page" id="{public}">a</a><a id="{public}" linktype="page">b</a></p>'
        )


def test_too_many_page_links_are_refused(pages):
    links = "".join(f'<a linktype="page" id="{n}">x</a>' for n in range(1, 60))
    with pytest.raises(ValidationError, match="at most"):
        rich_text.validate_entities(links)


def test_the_editor_field_checks_before_expanding(monkeypatch):
    expanded = []
    monkeypatch.setattr(
        "wagtail_tickets.admin.forms.expand_db_html", lambda html: expanded.append(html) or html
    )
    with pytest.raises(ValidationError):
        EditorField().clean('<a linktype="page" id="99999999999999999999">x</a>')
    assert expanded == []
