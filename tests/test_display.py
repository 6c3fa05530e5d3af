"""Dates and times read the same way everywhere for one language (short in tables,
headers and timelines; long inside sentences), in the current time zone: German, Dutch
and English."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

import wagtail_tickets
from tests.factories import TicketTypeFactory, UserFactory, grant, make_agent, make_ticket
from wagtail_tickets import actions, display
from wagtail_tickets.admin.inbox_columns import RowContext, target_cell, updated_cell
from wagtail_tickets.models import Ticket, TypePermission
from wagtail_tickets.notifications import Event, EventKind
from wagtail_tickets.notifications.events import get_notifier
from wagtail_tickets.notifications.variables import as_text

TEMPLATES = Path(wagtail_tickets.__file__).resolve().parent / "templates"
# 06:09 UTC is 07:09 in Amsterdam, the tests' TIME_ZONE
MOMENT = datetime.datetime(2026, 12, 5, 6, 9, tzinfo=datetime.UTC)
DAY = datetime.date(2026, 12, 8)

EXPECTED = {
    # language: (short date, short moment, long date)
    "en": ("12/08/2026", "12/05/2026 7:09 a.m.", "Dec. 8, 2026"),
    "de": ("08.12.2026", "05.12.2026 07:09", "8. Dezember 2026"),
    "nl": ("8-12-2026", "5-12-2026 07:09", "8 december 2026"),
}


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    translation.activate("en")


@pytest.mark.parametrize("language", EXPECTED)
def test_dates_and_moments_follow_the_language_in_local_time(language):
    short_date, moment, long_date = EXPECTED[language]
    with translation.override(language):
        assert display.show_date(DAY) == short_date
        assert display.show_date(DAY, long=True) == long_date
        assert display.show_date("2026-12-08") == short_date
        assert display.show_datetime(MOMENT) == moment
        assert display.show_datetime(DAY) == short_date
        # a moment's day is its local day
        late = datetime.datetime(2026, 12, 7, 23, 30, tzinfo=datetime.UTC)
        assert display.show_date(late) == short_date
        assert as_text(MOMENT) == moment and as_text(DAY) == short_date


def test_the_current_time_zone_decides_the_hour():
    with translation.override("de"), timezone.override(ZoneInfo("America/New_York")):
        assert display.show_datetime(MOMENT) == "05.12.2026 01:09"


@pytest.mark.parametrize("value", [None, "", "not a date", "2026-13-40", 7, object()])
def test_what_is_not_a_date_shows_as_nothing(value):
    assert display.show_date(value) == ""
    assert display.show_datetime(value) == ""


@pytest.mark.parametrize("language", EXPECTED)
def test_template_filters(language):
    short_date, moment, long_date = EXPECTED[language]
    template = Template(
        "{% load wagtail_tickets_tags %}"
        '{{ day|wt_date }}|{{ day|wt_date:"long" }}|{{ moment|wt_datetime }}|{{ none|wt_date }}'
    )
    with translation.override(language):
        html = template.render(Context({"day": DAY, "moment": MOMENT, "none": None}))
    assert html == f"{short_date}|{long_date}|{moment}|"


@pytest.mark.parametrize(
    "field,value,shown",
    [
        ("target_date", "2026-12-08", "8-12-2026"),
        ("target_date", "", ""),
        ("target_date", "garbage", "garbage"),
        ("subject", "2026-12-08", "2026-12-08"),
    ],
)
def test_history_values_of_dates_read_in_the_language(field, value, shown):
    with translation.override("nl"):
        assert display.change_text(field, value) == shown


def test_templates_format_dates_only_through_the_helpers():
    """A display format in a template (``|date:"SHORT_DATE_FORMAT"``) bypasses the one
    rule; machine formats for ``<time datetime>`` (``c``, ``Y-m-d``) are fine."""
    machine = {"c", "Y-m-d"}
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for match in re.finditer(r"\|date(?::\s*[\"']([^\"']*)[\"'])?", path.read_text()):
            if match.group(1) not in machine:
                found.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert found == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", EXPECTED)
def test_inbox_cells_use_the_short_formats(language):
    short_date, moment, _long = EXPECTED[language]
    ticket = make_ticket(UserFactory(), TicketTypeFactory())
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=MOMENT, target_date=DAY)
    ticket.refresh_from_db()
    with translation.override(language):
        row = RowContext("/admin/tickets/")
        assert moment in updated_cell(ticket, row)
        assert short_date in target_cell(ticket, row)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nl", "de"])
def test_workspace_header_and_history_share_one_format(language, django_assert_max_num_queries):
    short_date, moment, _long = EXPECTED[language]
    hardware = TicketTypeFactory(name="Hardware")
    customer = UserFactory(username="carol")
    grant(customer, hardware, TypePermission.Level.WRITE, group_name="Customers")
    ticket = make_ticket(customer, hardware, subject="Printer")
    agent = make_agent(hardware, username="anna")
    actions.change_ticket(ticket, actor=agent, target_date=DAY)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=MOMENT)
    profile = UserProfile.get_for_user(agent)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(agent)
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert moment in html  # opened
    assert html.count(short_date) >= 2  # the target date in the header and in the history
    assert "2026-12-08<" not in html and "“2026-12-08”" not in html
    assert "a.m." not in html and "p.m." not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", EXPECTED)
def test_change_mail_writes_the_target_date_in_the_mail_language(language):
    short_date, _moment, _long = EXPECTED[language]
    ticket = make_ticket(UserFactory(), TicketTypeFactory())
    event = Event(EventKind.CHANGED, ticket, changes={"target_date": ("", "2026-12-08")})
    with translation.override(language):
        assert get_notifier().changes_text(event).endswith(f"- → {short_date}")
