"""``manage.py tickets_demo``: the demo data, and running it twice changes nothing; the
demo mailbox follows ``--imap-port``; ``--logins`` prints the logins after the startup mail."""

from __future__ import annotations

import datetime
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.utils import timezone

from tests.factories import OutgoingMailFactory
from tests.testapp.models import Company
from wagtail_tickets import permissions
from wagtail_tickets.management.commands import tickets_demo
from wagtail_tickets.models import (
    Attachment,
    Category,
    Mailbox,
    Message,
    OutgoingMail,
    Priority,
    Rate,
    ResponseTemplate,
    Status,
    Ticket,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)

pytestmark = pytest.mark.django_db

Level = TypePermission.Level
MODELS = (
    Attachment,
    Category,
    Company,
    Group,
    Message,
    Priority,
    Rate,
    ResponseTemplate,
    Status,
    Ticket,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)


def run_demo() -> str:
    out = StringIO()
    call_command("tickets_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    result = {model.__name__: model.objects.count() for model in MODELS}
    result["users"] = get_user_model().objects.count()
    result["memberships"] = sum(len(c.users.all()) for c in Company.objects.all())
    return result


def fresh(username: str):
    return get_user_model().objects.get(username=username)


def test_demo_creates_the_demo_world():
    output = run_demo()

    for username in ("customer", "colleague", "customer2", "agent", "admin"):
        assert username in output
        assert fresh(username).check_password("demo-password")
    assert "demo-password" in output

    group = TicketTypeGroup.objects.get(name="Products")
    assert set(group.types.values_list("name", flat=True)) == {"Support", "Billing"}
    assert list(Status.objects.values_list("name", flat=True)) == [
        "Open",
        "In progress",
        "Report",
        "Answer",
        "Closed",
    ]
    assert Priority.objects.count() == 4
    assert Category.objects.count() >= 3

    customers = Group.objects.get(name="Customers")
    team = Group.objects.get(name="Support team")
    assert set(customers.ticket_type_permissions.values_list("level", flat=True)) == {Level.DELETE}
    assert set(team.ticket_type_permissions.values_list("level", flat=True)) == {Level.MANAGE}
    assert team.permissions.filter(codename="access_admin").exists()

    admin = fresh("admin")
    assert admin.is_superuser and admin.is_staff
    agent = fresh("agent")
    assert not agent.is_superuser
    assert agent.has_perm("wagtailadmin.access_admin")
    assert set(permissions.managed_types(agent).values_list("name", flat=True)) == {
        "Support",
        "Billing",
    }


def test_customers_share_a_record_and_see_nothing_of_the_other_company():
    run_demo()
    customer, colleague, customer2 = fresh("customer"), fresh("colleague"), fresh("customer2")

    acme = permissions.customer_for(customer)
    assert acme is not None and acme.name == "Acme Ltd"
    assert permissions.customer_for(colleague) == acme
    assert permissions.customer_for(customer2).name == "Globex Corporation"

    seen_by_customer = set(permissions.customer_tickets(customer))
    seen_by_customer2 = set(permissions.customer_tickets(customer2))
    assert seen_by_customer and seen_by_customer2
    assert not seen_by_customer & seen_by_customer2
    # the colleague's ticket shows as a company ticket for the customer
    assert permissions.company_tickets(customer).filter(requester=colleague).exists()
    assert all(ticket.customer == acme for ticket in seen_by_customer)


def test_tickets_have_conversations_made_through_the_actions():
    run_demo()
    tickets = Ticket.objects.all()
    assert tickets.count() >= 4
    assert any(ticket.status.is_closed for ticket in tickets)
    assert any(not ticket.status.is_closed for ticket in tickets)
    # history written by the actions, agents' answers and an internal note
    for ticket in tickets:
        assert ticket.log_entries.filter(action="wagtail_tickets.opened").exists()
    assert Message.objects.filter(is_staff=True).exists()
    internal = Message.objects.filter(is_internal=True)
    assert internal.exists()
    customer = fresh("customer")
    for ticket in permissions.customer_tickets(customer):
        visible = permissions.visible_messages(customer, ticket)
        assert not visible.filter(is_internal=True).exists()
    assert Attachment.objects.exists()
    claimed = Ticket.objects.filter(assignee__username="agent")
    assert claimed.exists()


def test_running_twice_changes_nothing():
    run_demo()
    before = counts()
    numbers = set(Ticket.objects.values_list("number", flat=True))

    output = run_demo()

    assert counts() == before
    assert set(Ticket.objects.values_list("number", flat=True)) == numbers
    assert "0 new tickets" in output


def test_restores_passwords_and_keeps_admins_changes():
    run_demo()
    customer = fresh("customer")
    customer.set_password("something-else")
    customer.save()
    support = TicketType.objects.get(name="Support")
    support.description = "Edited by an administrator"
    support.save()

    run_demo()

    assert fresh("customer").check_password("demo-password")
    assert TicketType.objects.get(name="Support").description == "Edited by an administrator"


def test_without_a_linkable_customer_model_it_still_works(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMER_USERS_FIELD": None}

    output = run_demo()

    assert "link the demo users to customer records" in output
    assert Company.objects.count() == 0
    assert Ticket.objects.filter(customer__isnull=True).count() == Ticket.objects.count() > 0
    assert "demo-password" in output


def test_the_imap_port_reaches_a_demo_mailbox_made_earlier():
    call_command("tickets_demo", "--imap-port", "1150", stdout=StringIO())
    assert Mailbox.objects.get(name="Support demo mailbox").port == 1150
    call_command("tickets_demo", "--imap-port", "1151", stdout=StringIO())
    assert Mailbox.objects.get(name="Support demo mailbox").port == 1151
    # pointed at another server by an administrator: left alone
    Mailbox.objects.filter(name="Support demo mailbox").update(host="imap.example.com", port=993)
    call_command("tickets_demo", "--imap-port", "1152", stdout=StringIO())
    assert Mailbox.objects.get(name="Support demo mailbox").port == 993


def test_logins_only_prints_the_logins_and_changes_nothing(django_assert_max_num_queries):
    run_demo()
    before = counts()
    out = StringIO()
    with django_assert_max_num_queries(2):
        call_command("tickets_demo", "--logins", stdout=out)
    assert counts() == before
    text = out.getvalue()
    assert "Demo logins (password for all: demo-password)" in text
    assert "Demo data ready" not in text


def test_logins_wait_for_waiting_mail_but_not_for_long(monkeypatch):
    monkeypatch.setattr(tickets_demo, "MAIL_POLL", 0.05)
    OutgoingMailFactory(state=OutgoingMail.State.PENDING)
    started = time.monotonic()
    call_command("tickets_demo", "--logins", "--wait-for-mail", "0.3", stdout=StringIO())
    assert 0.3 <= time.monotonic() - started < 2
    # mail waiting for a later attempt is not waited for
    OutgoingMail.objects.update(next_attempt_at=timezone.now() + datetime.timedelta(hours=1))
    assert tickets_demo.wait_for_outbox(5)
    OutgoingMail.objects.update(state=OutgoingMail.State.SENT, next_attempt_at=None)
    started = time.monotonic()
    call_command("tickets_demo", "--logins", "--wait-for-mail", "30", stdout=StringIO())
    assert time.monotonic() - started < 1


def test_the_demo_mail_backend_writes_files_and_one_line_each(tmp_path, capsys):
    from example_site.mailbackend import EmailBackend

    backend = EmailBackend(file_path=str(tmp_path))
    message = EmailMessage("[ts #1] Printer", "A long body\n" * 50, to=["carla@example.com"])
    assert backend.send_messages([message]) == 1
    said = capsys.readouterr().out
    assert said.count("\n") == 1
    assert said.startswith("mail to carla@example.com: [ts #1] Printer (in ")
    (written,) = tmp_path.iterdir()
    assert "A long body" in written.read_text()
