"""The default statuses and priorities (seeded by migration 0002) read in the viewer's
language until an administrator renames them; the database and the history keep the
stored name."""

from __future__ import annotations

import importlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real
from wagtail.users.models import UserProfile

from tests.factories import TicketTypeFactory, UserFactory, grant, make_agent, make_ticket
from wagtail_tickets import actions, seeded
from wagtail_tickets.admin.inbox_columns import priority_cell, status_cell
from wagtail_tickets.admin.reports.queries import _per_status
from wagtail_tickets.models import Priority, Status, TicketLogEntry, TypePermission
from wagtail_tickets.notifications import Event, EventKind
from wagtail_tickets.notifications.events import get_notifier

GERMAN = {
    ("ticket status", "Open"): "Offen",
    ("ticket status", "Answer"): "Antwort",
    ("ticket status", "In progress"): "In Bearbeitung",
    ("ticket priority", "Urgent"): "Dringend",
    ("ticket priority", "Normal"): "Normal",
}


@pytest.fixture
def german(monkeypatch):
    """German texts for the seeded names, whatever the shipped catalogue holds yet."""
    catalog = trans_real.translation("de")._catalog._catalogs[0]
    for (context, name), text in GERMAN.items():
        monkeypatch.setitem(catalog, f"{context}\x04{name}", text)
    yield "de"
    translation.activate("en")


def test_the_marked_names_are_those_the_migration_seeds():
    migration = importlib.import_module("wagtail_tickets.migrations.0002_default_workflow")
    assert seeded.STATUS_NAMES == {row[0] for row in migration.STATUSES}
    assert seeded.PRIORITY_NAMES == {row[0] for row in migration.PRIORITIES}


def test_a_seeded_name_reads_in_the_viewers_language_until_renamed(german):
    status, priority = Status(name="Open"), Priority(name="Urgent")
    with translation.override("de"):
        assert status.label == str(status) == "Offen"
        assert priority.label == str(priority) == "Dringend"
        assert Status(name="Offen (intern)").label == "Offen (intern)"
        # a priority named like a status is not a status
        assert Priority(name="Open").label == "Open"
    with translation.override("en"):
        assert status.label == "Open" and priority.label == "Urgent"


@pytest.mark.parametrize(
    "field,value,shown",
    [
        ("status", "Answer", "Antwort"),
        ("priority", "Urgent", "Dringend"),
        ("status", "Urgent", "Urgent"),
        ("category", "Open", "Open"),
        ("status", "", ""),
        ("status", None, None),
        ("status", 7, 7),
    ],
)
def test_history_values_are_read_through_the_labels(german, field, value, shown):
    with translation.override("de"):
        assert seeded.change_label(field, value) == shown


@pytest.mark.django_db
def test_history_keeps_the_stored_name_and_a_german_agent_reads_it_in_german(german):
    hardware = TicketTypeFactory(name="Hardware")
    customer = UserFactory(username="carol")
    grant(customer, hardware, TypePermission.Level.WRITE, group_name="Customers")
    ticket = make_ticket(customer, hardware, subject="Drucker")
    agent = make_agent(hardware, username="anna")
    answer, urgent = Status.objects.get(name="Answer"), Priority.objects.get(name="Urgent")
    with translation.override("de"):
        actions.change_ticket(ticket, actor=agent, status=answer, priority=urgent)
        actions.close_ticket(ticket, actor=agent)
    changed, closed = TicketLogEntry.objects.filter(ticket_id=ticket.pk).order_by("pk")[1:3]
    assert changed.data["changes"] == {
        "status": ["Open", "Answer"],
        "priority": ["Normal", "Urgent"],
    }
    assert closed.data["changes"] == {"status": ["Answer", "Closed"]}

    profile = UserProfile.get_for_user(agent)
    profile.preferred_language = "de"
    profile.save()
    client = Client()
    client.force_login(agent)
    html = client.get(reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])).content.decode()
    assert "„Offen“" in html or "“Offen”" in html
    assert "Antwort" in html and "Dringend" in html
    assert ">Answer<" not in html and "“Answer”" not in html
    assert f'<option value="{answer.pk}">Antwort</option>' in html


@pytest.mark.django_db
def test_change_mail_names_the_status_in_the_mail_language(german):
    ticket = make_ticket(UserFactory(), TicketTypeFactory())
    event = Event(EventKind.CHANGED, ticket, changes={"status": ("Open", "Answer")})
    with translation.override("de"):
        assert "Offen → Antwort" in get_notifier().changes_text(event)
    with translation.override("en"):
        assert "Open → Answer" in get_notifier().changes_text(event)


@pytest.mark.django_db
def test_inbox_cells_and_report_rows_show_the_label(german):
    ticket = make_ticket(
        UserFactory(), TicketTypeFactory(), priority=Priority.objects.get(name="Urgent")
    )
    with translation.override("de"):
        assert ">Offen<" in status_cell(ticket, None)
        assert "Dringend" in priority_cell(ticket, None)
        rows = _per_status([{"status_id": ticket.status_id, "n": 1}])
    assert rows[0]["status__name"] == "Offen"


@pytest.mark.django_db
def test_setup_listings_show_the_label_and_sort_by_the_stored_name(german):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = "de"
    profile.save()
    renamed = Status.objects.get(name="Report")
    renamed.name = "Rückfrage"
    renamed.save()
    client = Client()
    client.force_login(admin)
    html = client.get(reverse("wagtail_tickets_statuses:index")).content.decode()
    assert "Offen" in html and "In Bearbeitung" in html and "Rückfrage" in html
    assert ">Open<" not in html
    html = client.get(reverse("wagtail_tickets_priorities:index") + "?ordering=name")
    assert "Dringend" in html.content.decode()


@pytest.mark.django_db
def test_mail_variables_name_the_status_and_priority_in_the_mail_language(german):
    from wagtail_tickets.notifications.variables import ticket_values

    ticket = make_ticket(
        UserFactory(), TicketTypeFactory(), priority=Priority.objects.get(name="Urgent")
    )
    with translation.override("de"):
        values = ticket_values(ticket, "Carla")
    assert (values["ticket:status"], values["ticket:priority"]) == ("Offen", "Dringend")
    with translation.override("en"):
        values = ticket_values(ticket, "Carla")
    assert (values["ticket:status"], values["ticket:priority"]) == ("Open", "Urgent")
