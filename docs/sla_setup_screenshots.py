"""Screenshots of the service-level setup for docs/sla.md, from a live test server.

Run with pytest (it needs the test settings and a live server)::

    .venv/bin/python -m pytest docs/sla_setup_screenshots.py -p no:cacheprovider

Writes docs/screenshots/admin-sla-policies.png (the ordered policies),
admin-sla-policy-edit.png (editing a policy) and admin-sla-calendar-edit.png (a calendar
with its business hours and holidays). Set CHROMIUM to the browser binary (default
/usr/bin/chromium) and SCREENSHOTS to write elsewhere.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from tests.factories import PriorityFactory, TicketTypeFactory, UserFactory
from wagtail_tickets.models import Calendar, CalendarHoliday, CalendarRange, CustomerTier, SlaPolicy

OUT = Path(os.environ.get("SCREENSHOTS", Path(__file__).resolve().parent / "screenshots"))


def demo_data() -> tuple[SlaPolicy, Calendar]:
    support = TicketTypeFactory(name="Support")
    billing = TicketTypeFactory(name="Billing")
    urgent = PriorityFactory(name="Urgent")
    office = Calendar.objects.create(name="Office Berlin", time_zone="Europe/Berlin")
    for day in range(5):
        CalendarRange.objects.create(
            calendar=office, weekday=day, start=datetime.time(8), end=datetime.time(12)
        )
        CalendarRange.objects.create(
            calendar=office, weekday=day, start=datetime.time(13), end=datetime.time(17)
        )
    CalendarHoliday.objects.create(
        calendar=office, date=datetime.date(2026, 12, 25), yearly=True, name="Christmas Day"
    )
    CalendarHoliday.objects.create(
        calendar=office, date=datetime.date(2026, 4, 3), name="Good Friday"
    )
    premium = CustomerTier.objects.create(name="Premium support")
    policy = SlaPolicy.objects.create(
        name="Premium, urgent",
        sort_order=0,
        priority=urgent,
        customer_tier=premium,
        first_response_minutes=30,
        next_response_minutes=60,
        resolution_minutes=480,
    )
    SlaPolicy.objects.create(
        name="Support in office hours",
        sort_order=1,
        ticket_type=support,
        first_response_minutes=240,
        next_response_minutes=480,
        resolution_minutes=2400,
        first_response_calendar=office,
        next_response_calendar=office,
        resolution_calendar=office,
    )
    SlaPolicy.objects.create(
        name="Billing",
        sort_order=2,
        ticket_type=billing,
        first_response_minutes=1440,
        resolution_minutes=7200,
        first_response_calendar=office,
        resolution_calendar=office,
    )
    return policy, Calendar.objects.get(pk=office.pk)


@pytest.mark.django_db(transaction=True)
def test_sla_setup_screenshots(live_server, browser_page, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    OUT.mkdir(parents=True, exist_ok=True)
    policy, calendar = demo_data()
    base = live_server.url
    failures: list[str] = []
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    page = browser_page(root, viewport=(1400, 1750))
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.set_viewport_size({"width": 1400, "height": 560})
    page.goto(base + "/admin/tickets-setup/sla-policies/")
    page.screenshot(path=str(OUT / "admin-sla-policies.png"))
    page.set_viewport_size({"width": 1400, "height": 1750})
    page.goto(base + f"/admin/tickets-setup/sla-policies/edit/{policy.pk}/")
    page.screenshot(path=str(OUT / "admin-sla-policy-edit.png"), full_page=True)
    page.goto(base + f"/admin/tickets-setup/calendars/edit/{calendar.pk}/")
    page.screenshot(path=str(OUT / "admin-sla-calendar-edit.png"), full_page=True)
    assert not failures
