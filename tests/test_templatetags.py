"""``{% customer_area_menu %}`` and the display helpers of wagtail_tickets_tags."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from wagtail import hooks

from tests.factories import UserFactory
from wagtail_tickets.customer_area import MenuItem
from wagtail_tickets.models import Status
from wagtail_tickets.templatetags.wagtail_tickets_tags import safe_colour

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load wagtail_tickets_tags %}" + source).render(Context(context))


def request_for(path: str, user=None):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    return request


def test_menu_shows_my_tickets_for_a_logged_in_user():
    my_tickets = reverse("wagtail_tickets:my_tickets")
    html = render("{% customer_area_menu %}", request=request_for("/", UserFactory()))
    assert f'href="{my_tickets}"' in html
    assert "My Tickets" in html
    assert "aria-current" not in html


def test_menu_marks_the_current_section_active():
    detail = reverse("wagtail_tickets:detail", args=["260001"])
    html = render("{% customer_area_menu %}", request=request_for(detail, UserFactory()))
    assert "wt-menu__item--active" in html
    assert 'aria-current="page"' in html


def test_menu_is_empty_for_anonymous_visitors_and_without_request():
    assert render("{% customer_area_menu %}", request=request_for("/")).strip() == ""
    assert render("{% customer_area_menu %}").strip() == ""


def test_hosts_add_and_reorder_items_through_hooks():
    def invoices_item():
        return MenuItem(label="Invoices <b>", url="/invoices/", name="invoices", order=50)

    def drop_nothing_but_rename(request, items):
        for item in items:
            if item.name == "my_tickets":
                item.label = "Support"

    with hooks.register_temporarily(
        [
            ("register_customer_area_menu_item", invoices_item),
            ("construct_customer_area_menu", drop_nothing_but_rename),
        ]
    ):
        html = render("{% customer_area_menu %}", request=request_for("/", UserFactory()))
    assert html.index("Invoices &lt;b&gt;") < html.index("Support")  # order 50 before 100
    assert "<b>" not in html


def test_menu_template_can_be_replaced():
    html = render(
        '{% customer_area_menu template="wagtail_tickets/customer/includes/messages.html" %}',
        request=request_for("/", UserFactory()),
    )
    assert "wt-menu" not in html


def test_status_badge_says_whose_turn_it_is_never_the_status_name():
    status = Status(name="Waiting for parts", is_closed=False, colour="#123abc")
    html = render("{% status_badge status %}", status=status)
    assert "With us" in html and "wt-status--with_us" in html
    assert "Waiting for parts" not in html and "#123abc" not in html
    status = Status(name="Answer", is_closed=False, waits_for_customer=True)
    html = render("{% status_badge status %}", status=status)
    assert "Waiting for your answer" in html and "wt-status--waiting" in html
    assert "Answer<" not in html
    closed = Status(name="Done", is_closed=True, colour="#2e7d32")
    html = render("{% status_badge status %}", status=closed)
    assert "Closed" in html and "Done" not in html
    assert "wt-status--closed" in html


def test_status_badge_never_shows_a_hostile_name_or_colour():
    status = Status(name="<b>x</b>", colour='red;"><script>alert(1)</script>')
    html = render("{% status_badge status %}", status=status)
    assert "<script>" not in html and "<b>" not in html and "style=" not in html


@pytest.mark.parametrize(
    "value,expected",
    [("#A1b2C3", "#A1b2C3"), ("red", "#5c6f7e"), ("#12345", "#5c6f7e"), (None, "#5c6f7e")],
)
def test_safe_colour(value, expected):
    assert safe_colour(value) == expected


class _Mail:
    def __init__(self, body_html, source="email"):
        self.body_html = body_html
        self.source = source


def test_quoted_history_of_mail_is_folded_and_kept():
    from wagtail_tickets.templatetags.wagtail_tickets_tags import message_body

    body = (
        "<p>Thanks, it works.</p><blockquote><p>On Monday you wrote:</p>"
        "<blockquote><p>older</p></blockquote></blockquote>"
    )
    html = str(message_body(_Mail(body)))
    assert html.startswith('<p>Thanks, it works.</p><details class="wt-quoted">')
    assert "<summary>Show quoted text</summary>" in html
    assert "On Monday you wrote:" in html and "older" in html
    assert html.endswith("</details>")


def test_only_mail_with_something_before_the_quote_is_folded():
    from wagtail_tickets.templatetags.wagtail_tickets_tags import message_body

    quote_only = "<blockquote><p>just a quote</p></blockquote>"
    assert str(message_body(_Mail(quote_only))) == quote_only
    web = "<p>see</p><blockquote><p>a quote I typed</p></blockquote>"
    assert str(message_body(_Mail(web, source="web"))) == web
    middle = "<blockquote><p>q</p></blockquote><p>my answer below the quote</p>"
    assert str(message_body(_Mail(middle))) == middle


def test_wt_described_names_the_error_list_and_the_help_text():
    from django import forms

    from wagtail_tickets.templatetags.wagtail_tickets_tags import wt_described

    class Form(forms.Form):
        subject = forms.CharField(help_text="A short summary")
        note = forms.CharField(required=False)

    form = Form(data={"subject": ""})
    html = str(wt_described(form["subject"]))
    assert 'aria-describedby="id_subject_errors id_subject_helptext"' in html
    assert 'aria-invalid="true"' in html
    # no error and no help text: nothing to point at
    assert "aria-describedby" not in str(wt_described(form["note"]))
    # a valid field with help text points at the help text only
    valid = Form(data={"subject": "Printer"})
    valid.is_valid()
    assert 'aria-describedby="id_subject_helptext"' in str(wt_described(valid["subject"]))
