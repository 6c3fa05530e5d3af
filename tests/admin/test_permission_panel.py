"""The "Ticket types" panel on Wagtail's group edit page: shows, saves, refuses bad input."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.factories import GroupFactory, TicketTypeFactory, TypePermissionFactory, UserFactory
from wagtail_tickets.admin.permission_panel import TicketTypePermissionFormSet
from wagtail_tickets.models import TicketTypeGroup, TypePermission

pytestmark = pytest.mark.django_db

Level = TypePermission.Level
PREFIX = "ticket_type_permissions"


class FormFields(HTMLParser):
    """The values a browser would submit for the group form (inputs, checked boxes,
    selected options, textareas), so a POST carries every panel's management form."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.setdefault(name, []).append(attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self.data.setdefault(name, []).append(attrs.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_data(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    return parser.data


def row_of(data, ticket_type) -> int:
    total = int(data[f"{PREFIX}-TOTAL_FORMS"][0])
    for i in range(total):
        if data[f"{PREFIX}-{i}-ticket_type"] == [str(ticket_type.pk)]:
            return i
    raise AssertionError(f"{ticket_type} has no row")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def types():
    products = TicketTypeGroup.objects.create(name="Products")
    return (
        TicketTypeFactory(name="Support", group=products, sort_order=1),
        TicketTypeFactory(name="Billing", sort_order=2),
        TicketTypeFactory(name="Legacy", sort_order=3, active=False),
    )


@pytest.fixture
def group(types):
    support, billing, _legacy = types
    group = GroupFactory(name="Customers")
    TypePermissionFactory(group=group, ticket_type=support, level=Level.WRITE)
    return group


def edit_url(group):
    return reverse("wagtailusers_groups:edit", args=[group.pk])


def levels(group) -> dict[str, int]:
    return dict(
        TypePermission.objects.filter(group=group).values_list("ticket_type__name", "level")
    )


def test_edit_page_shows_the_panel_with_current_levels(admin_client, group, types):
    response = admin_client.get(edit_url(group))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ticket-type-permissions-table"' in html
    assert "Ticket types" in html
    for name in ("Support", "Billing", "Legacy", "Products", "inactive"):
        assert name in html
    for label in ("None", "Read", "Create", "Write", "Delete", "Manage"):
        assert f">{label}</th>" in html
    data = form_data(html)
    support, billing, legacy = types
    assert data[f"{PREFIX}-{row_of(data, support)}-level"] == [str(Level.WRITE)]
    assert data[f"{PREFIX}-{row_of(data, billing)}-level"] == [""]


def test_post_saves_the_levels(admin_client, group, types):
    support, billing, legacy = types
    data = form_data(admin_client.get(edit_url(group)).content.decode())
    data[f"{PREFIX}-{row_of(data, support)}-level"] = [""]
    data[f"{PREFIX}-{row_of(data, billing)}-level"] = [str(Level.MANAGE)]
    data[f"{PREFIX}-{row_of(data, legacy)}-level"] = [str(Level.READ)]
    response = admin_client.post(edit_url(group), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert levels(group) == {"Billing": Level.MANAGE, "Legacy": Level.READ}
    # and back: the page shows what was saved
    again = form_data(admin_client.get(edit_url(group)).content.decode())
    assert again[f"{PREFIX}-{row_of(again, billing)}-level"] == [str(Level.MANAGE)]


def test_changing_one_level_keeps_others_and_one_row_per_type(admin_client, group, types):
    support, billing, _legacy = types
    data = form_data(admin_client.get(edit_url(group)).content.decode())
    data[f"{PREFIX}-{row_of(data, support)}-level"] = [str(Level.DELETE)]
    assert admin_client.post(edit_url(group), data).status_code == 302
    assert levels(group) == {"Support": Level.DELETE}
    assert TypePermission.objects.filter(group=group, ticket_type=support).count() == 1


def test_new_group_gets_its_levels(admin_client, types):
    support, *_ = types
    url = reverse("wagtailusers_groups:add")
    data = form_data(admin_client.get(url).content.decode())
    data["name"] = ["Agents"]
    data[f"{PREFIX}-{row_of(data, support)}-level"] = [str(Level.MANAGE)]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert levels(Group.objects.get(name="Agents")) == {"Support": Level.MANAGE}


@pytest.mark.parametrize(
    "tamper",
    [
        "level_unknown",
        "level_text",
        "level_negative",
        "type_unknown",
        "type_text",
        "type_duplicate",
        "too_many_forms",
    ],
)
def test_invalid_input_gives_an_error_and_saves_nothing(admin_client, group, types, tamper):
    support, billing, _legacy = types
    data = form_data(admin_client.get(edit_url(group)).content.decode())
    data["name"] = ["Renamed"]
    support_row, billing_row = row_of(data, support), row_of(data, billing)
    data[f"{PREFIX}-{billing_row}-level"] = [str(Level.MANAGE)]
    data[f"{PREFIX}-{support_row}-level"] = [str(Level.READ)]
    if tamper == "level_unknown":
        data[f"{PREFIX}-{support_row}-level"] = ["99"]
    elif tamper == "level_text":
        data[f"{PREFIX}-{support_row}-level"] = ["manage"]
    elif tamper == "level_negative":
        data[f"{PREFIX}-{support_row}-level"] = ["-10"]
    elif tamper == "type_unknown":
        data[f"{PREFIX}-{support_row}-ticket_type"] = ["999999"]
    elif tamper == "type_text":
        data[f"{PREFIX}-{support_row}-ticket_type"] = ["'; DROP TABLE x; --"]
    elif tamper == "type_duplicate":
        data[f"{PREFIX}-{support_row}-ticket_type"] = [str(billing.pk)]
    elif tamper == "too_many_forms":
        data[f"{PREFIX}-TOTAL_FORMS"] = ["5000"]
    response = admin_client.post(edit_url(group), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-message"' in html
    assert "The group could not be saved due to errors." in html
    group.refresh_from_db()
    assert group.name == "Customers"
    assert levels(group) == {"Support": Level.WRITE}


def test_duplicate_type_error_is_shown_on_the_panel(admin_client, group, types):
    support, billing, _legacy = types
    data = form_data(admin_client.get(edit_url(group)).content.decode())
    data[f"{PREFIX}-{row_of(data, support)}-ticket_type"] = [str(billing.pk)]
    html = admin_client.post(edit_url(group), data).content.decode()
    assert "A ticket type can only have one level per group." in html


def test_type_created_meanwhile_keeps_its_levels(admin_client, group, types):
    """A POST built before a type existed does not wipe that type's level."""
    data = form_data(admin_client.get(edit_url(group)).content.decode())
    newer = TicketTypeFactory(name="Newer")
    TypePermissionFactory(group=group, ticket_type=newer, level=Level.CREATE)
    assert admin_client.post(edit_url(group), data).status_code == 302
    assert levels(group) == {"Support": Level.WRITE, "Newer": Level.CREATE}


def test_customers_cannot_reach_the_group_page(client, group):
    customer = UserFactory(username="customer")
    client.force_login(customer)
    response = client.get(edit_url(group))
    assert response.status_code in (302, 403)
    assert "ticket-type-permissions-table" not in response.content.decode()


def test_panel_queries_do_not_grow_with_the_number_of_types(
    admin_client, group, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        admin_client.get(edit_url(group))
    for i in range(30):
        TicketTypeFactory(name=f"Extra {i}")
    with django_assert_max_num_queries(len(few)):
        response = admin_client.get(edit_url(group))
    assert "Extra 29" in response.content.decode()


def test_formset_without_types_renders_a_hint():
    html = TicketTypePermissionFormSet(instance=Group()).as_admin_panel()
    assert "There are no ticket types yet." in html


def test_formset_refuses_to_save_for_an_unsaved_group(types):
    support, *_ = types
    formset = TicketTypePermissionFormSet(
        data={
            f"{PREFIX}-TOTAL_FORMS": "1",
            f"{PREFIX}-INITIAL_FORMS": "1",
            f"{PREFIX}-0-ticket_type": str(support.pk),
            f"{PREFIX}-0-level": str(Level.READ),
        },
        instance=Group(),
    )
    assert formset.is_valid()
    with pytest.raises(ValueError):
        formset.save()
