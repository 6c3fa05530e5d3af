"""The service-level setup screens: calendars with inline ranges and holidays, customer
tiers, ordered policies; permissions, hostile input, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, admin_access, allow
from wagtail_tickets import tasks
from wagtail_tickets.compat import ReorderView
from wagtail_tickets.models import Calendar, CustomerTier, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks, "queue_sla_recompute", lambda after=0: calls.append(after) or True)
    return calls


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
        data[f"{prefix}-{index}-id"] = ""
        data[f"{prefix}-{index}-DELETE"] = ""
    return data


def calendar_data(**overrides) -> dict:
    data = {
        "name": "Office",
        "time_zone": "Europe/Berlin",
        **inline("ranges", [{"weekday": "0", "start": "09:00", "end": "17:00"}]),
        **inline("holidays", [{"date": "2026-12-25", "yearly": "on", "name": "Christmas"}]),
    }
    data.update(overrides)
    return data


def test_calendar_with_ranges_and_holidays_is_created(admin_client, queued):
    response = admin_client.post(reverse("wagtail_tickets_calendars:add"), calendar_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get(name="Office")
    spec = calendar.spec()
    assert spec.week[0] == ((datetime.time(9), datetime.time(17)),)
    assert spec.yearly_holidays == frozenset({(12, 25)})
    assert queued == [0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"time_zone": "../../etc/passwd"},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "x" * 5000},
        inline("ranges", [{"weekday": "0", "start": "09:00", "end": "09:00"}]),
        inline("ranges", [{"weekday": "9", "start": "09:00", "end": "17:00"}]),
        inline("ranges", [{"weekday": "0", "start": "25:00", "end": "17:00"}]),
        inline("ranges", [{"weekday": "-1", "start": "<script>", "end": "17:00"}]),
        inline("ranges", []),
        inline("holidays", [{"date": "2026-02-30", "name": "nope"}]),
        {"name": ""},
    ],
)
def test_broken_calendars_are_form_errors(admin_client, queued, overrides):
    response = admin_client.post(
        reverse("wagtail_tickets_calendars:add"), calendar_data(**overrides)
    )
    assert response.status_code == 200
    assert not Calendar.objects.filter(name="Office").exists()
    assert queued == []


def test_shipped_default_calendar_is_listed(admin_client):
    html = admin_client.get(reverse("wagtail_tickets_calendars:index")).content.decode()
    assert "24/7" in html


def policy_data(**overrides) -> dict:
    data = {
        "name": "Premium",
        "active": "on",
        "sort_order": "1",
        "first_response_minutes": "240",
        "next_response_minutes": "",
        "resolution_minutes": "2400",
    }
    data.update(overrides)
    return data


def test_policy_is_created_and_listed_with_its_targets(admin_client, queued):
    hardware = TicketTypeFactory(name="Hardware")
    response = admin_client.post(
        reverse("wagtail_tickets_sla_policies:add"),
        policy_data(ticket_type=str(hardware.pk)),
    )
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="Premium")
    assert policy.ticket_type == hardware and policy.first_response_minutes == 240
    html = admin_client.get(reverse("wagtail_tickets_sla_policies:index")).content.decode()
    assert "4 h" in html and "40 h" in html
    assert queued == [0]


def test_policy_form_shows_the_targets(admin_client, tmp_path):
    html = admin_client.get(reverse("wagtail_tickets_sla_policies:add")).content.decode()
    for name in ("first_response_minutes", "resolution_calendar", "customer_tier", "customer"):
        assert f'name="{name}"' in html


@pytest.mark.parametrize(
    "overrides",
    [
        {"first_response_minutes": "-5"},
        {"first_response_minutes": "0"},
        {"first_response_minutes": "99999999999999999999"},
        {"first_response_minutes": "1e9"},
        {"first_response_minutes": "", "resolution_minutes": ""},
        {"ticket_type": "1 OR 1=1"},
        {"priority": "99999999999999999999999"},
        {"customer": "<script>alert(1)</script>"},
        {"customer": "424242"},
        {"first_response_calendar": "-1"},
        {"name": "n" * 500},
    ],
)
def test_hostile_policy_input_is_a_form_error(admin_client, queued, overrides):
    response = admin_client.post(
        reverse("wagtail_tickets_sla_policies:add"), policy_data(**overrides)
    )
    assert response.status_code == 200
    assert not SlaPolicy.objects.exists()
    assert queued == []


@pytest.mark.skipif(ReorderView is None, reason="Wagtail 7.0 orders by the form's number")
def test_policies_are_reordered_by_dragging(admin_client, queued):
    first = SlaPolicy.objects.create(name="First", sort_order=0, first_response_minutes=60)
    second = SlaPolicy.objects.create(name="Second", sort_order=1, first_response_minutes=60)
    url = reverse("wagtail_tickets_sla_policies:reorder", args=[second.pk])
    response = admin_client.post(url + "?position=0")
    assert response.status_code == 200
    names = list(SlaPolicy.objects.order_by("sort_order", "pk").values_list("name", flat=True))
    assert names == ["Second", "First"]
    assert first.pk and queued == [0]


def test_calendar_in_use_is_not_deleted(admin_client, queued):
    calendar = Calendar.objects.get(name="24/7")
    SlaPolicy.objects.create(name="P", first_response_minutes=60, resolution_calendar=calendar)
    response = admin_client.post(reverse("wagtail_tickets_calendars:delete", args=[calendar.pk]))
    assert response.status_code == 302
    assert Calendar.objects.filter(pk=calendar.pk).exists()
    assert queued == []


def test_customer_tier_members_by_id(admin_client, queued):
    acme, globex = CompanyFactory(name="Acme"), CompanyFactory(name="Globex")
    response = admin_client.post(
        reverse("wagtail_tickets_customer_tiers:add"),
        {"name": "Premium", "members": f"{acme.pk}  Acme\n\n{globex.pk}\n"},
    )
    assert response.status_code == 302
    tier = CustomerTier.objects.get(name="Premium")
    assert set(tier.customers.all()) == {acme, globex}
    html = admin_client.get(
        reverse("wagtail_tickets_customer_tiers:edit", args=[tier.pk])
    ).content.decode()
    assert f"{acme.pk}  Acme" in html


@pytest.mark.parametrize(
    "members",
    [
        "abc",
        "99999999999999999999999999",
        "1; DROP TABLE x",
        "424242",
        "\n".join(["1"] * 2001),
        "-1",
    ],
)
def test_hostile_tier_members_are_form_errors(admin_client, queued, members):
    CompanyFactory(name="Acme")
    response = admin_client.post(
        reverse("wagtail_tickets_customer_tiers:add"), {"name": "Premium", "members": members}
    )
    assert response.status_code == 200
    assert not CustomerTier.objects.exists()


@pytest.mark.parametrize(
    "name",
    ["wagtail_tickets_sla_policies", "wagtail_tickets_calendars", "wagtail_tickets_customer_tiers"],
)
def test_screens_need_the_model_permissions(client, name):
    agent = admin_access(UserFactory(username="agent"))
    client.force_login(agent)
    assert client.get(reverse(f"{name}:index")).status_code in (302, 403)
    assert client.get(reverse(f"{name}:add")).status_code in (302, 403)


def test_a_permitted_editor_sees_the_policies(client):
    editor = allow(
        admin_access(UserFactory(username="editor")),
        "wagtail_tickets.view_slapolicy",
        "wagtail_tickets.change_slapolicy",
    )
    client.force_login(editor)
    assert client.get(reverse("wagtail_tickets_sla_policies:index")).status_code == 200
    assert client.get(reverse("wagtail_tickets_sla_policies:add")).status_code in (302, 403)


def test_policy_list_queries_do_not_grow(admin_client, django_assert_max_num_queries):
    hardware = TicketTypeFactory(name="Hardware")
    tier = CustomerTier.objects.create(name="Gold")
    for order in range(40):
        SlaPolicy.objects.create(
            name=f"P{order}",
            sort_order=order,
            ticket_type=hardware,
            customer_tier=tier,
            first_response_minutes=60,
        )
    admin_client.get(reverse("wagtail_tickets_sla_policies:index"))
    with django_assert_max_num_queries(25):
        response = admin_client.get(reverse("wagtail_tickets_sla_policies:index"))
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1", "1e3", "１", "424242"])
def test_customer_id_field_refuses_what_is_no_record(value):
    from django.core.exceptions import ValidationError

    from wagtail_tickets.admin.sla import CustomerIdField

    CompanyFactory(name="Acme")
    with pytest.raises(ValidationError):
        CustomerIdField().clean(value)


def test_customer_id_field_takes_a_record_id():
    from wagtail_tickets.admin.sla import CustomerIdField

    acme = CompanyFactory(name="Acme")
    assert CustomerIdField().clean(f" {acme.pk} ") == acme
    assert CustomerIdField(required=False).clean("") is None
