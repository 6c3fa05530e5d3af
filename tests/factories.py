"""factory-boy factories shared by the tests (append new ones; keep existing ones stable)."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.testapp.models import Company
from wagtail_tickets import actions, permissions
from wagtail_tickets.models import Category, Priority, Status, TicketType, TypePermission

Level = TypePermission.Level


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = "Tester"
    password = factory.django.Password("password")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"group{n}")


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Type {n}")
    description = factory.LazyAttribute(lambda o: f"Questions about {o.name}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    email = factory.LazyAttribute(lambda o: f"info@company{o.name.split()[-1]}.example")


def grant(user, ticket_type, level: int, group_name: str | None = None):
    """Give ``user`` a level on ``ticket_type`` through a Wagtail group."""
    group = GroupFactory(name=group_name or f"{ticket_type.name} level {level}")
    TypePermission.objects.update_or_create(
        group=group, ticket_type=ticket_type, defaults={"level": level}
    )
    user.groups.add(group)
    permissions.forget(user)
    return group


def open_status() -> Status:
    return Status.objects.default()


def closed_status() -> Status:
    return Status.objects.closed_default()


def normal_priority() -> Priority:
    return Priority.objects.get(name="Normal")


def make_ticket(requester, ticket_type, subject="Printer on fire", body="<p>Help!</p>", **kw):
    """Open a ticket through the real action (the system opens it: no permission needed)."""
    return actions.open_ticket(
        ticket_type=ticket_type,
        subject=subject,
        body_html=body,
        requester=requester,
        **kw,
    )


class TypePermissionFactory(factory.django.DjangoModelFactory):
    """A group's level on a type; prefer ``grant()`` to give a user a level."""

    class Meta:
        model = TypePermission
        django_get_or_create = ("group", "ticket_type")

    group = factory.SubFactory(GroupFactory)
    ticket_type = factory.SubFactory(TicketTypeFactory)
    level = Level.WRITE


class StatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Status
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Status {n}")
    is_closed = False
    sort_order = factory.Sequence(lambda n: 100 + n)


class PriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Priority
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Priority {n}")
    sort_order = factory.Sequence(lambda n: 100 + n)


def fresh(user):
    """The same user re-read from the database, without cached levels or records."""
    return type(user)._default_manager.get(pk=user.pk)


class MailboxFactory(factory.django.DjangoModelFactory):
    """An IMAP mailbox; tests point host and port at their own IMAP server."""

    class Meta:
        model = "wagtail_tickets.Mailbox"

    name = factory.Sequence(lambda n: f"Mailbox {n}")
    ticket_type = factory.SubFactory(TicketTypeFactory)
    host = "127.0.0.1"
    port = 143
    security = "none"
    username = "support@tickets.example"
    password = "imap-secret"
    folder = "INBOX"


class TicketTypeGroupFactory(factory.django.DjangoModelFactory):
    """A group of ticket types, as the type dropdown shows them."""

    class Meta:
        model = "wagtail_tickets.TicketTypeGroup"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Type group {n}")


def external_page(*, enabled=True, allow_anonymous=True, offered=(), **options):
    """Set the options of the external page and return them."""
    from wagtail_tickets.models import ExternalPageSettings

    page = ExternalPageSettings.load()
    page.enabled = enabled
    page.allow_anonymous = allow_anonymous
    for name, value in options.items():
        setattr(page, name, value)
    page.save()
    page.offered_types.set(offered)
    return page


def allow(user, *codenames: str):
    """Give ``user`` Django permissions such as ``"testapp.change_company"`` (a group)."""
    from django.contrib.auth.models import Permission

    group = GroupFactory(name=f"Extra permissions of {user.username}")
    for code in codenames:
        app_label, codename = code.split(".", 1)
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    user.groups.add(group)
    return user


def make_admin_agent(*ticket_types, permissions=(), **fields):
    """An agent of several types who may also hold Django permissions; re-read, so no
    cached levels linger."""
    user = allow(UserFactory(**fields), "wagtailadmin.access_admin", *permissions)
    for ticket_type in ticket_types:
        grant(user, ticket_type, Level.MANAGE, group_name=f"{ticket_type.name} agents")
    return fresh(user)


class RateFactory(factory.django.DjangoModelFactory):
    """A support rate agents log hours at."""

    class Meta:
        model = "wagtail_tickets.Rate"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Rate {n}")
    value = 80


class ResponseTemplateFactory(factory.django.DjangoModelFactory):
    """A prepared answer for the reply box."""

    class Meta:
        model = "wagtail_tickets.ResponseTemplate"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Template {n}")
    body = "<p>Thank you for your message.</p>"


def admin_access(user):
    """Let ``user`` into the Wagtail admin (``wagtailadmin.access_admin``) through a group."""
    from django.contrib.auth.models import Permission

    group = GroupFactory(name="Admin access")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    user.groups.add(group)
    return user


def make_agent(ticket_type, **kwargs):
    """A non-superuser who reaches the admin and manages ``ticket_type`` (an agent)."""
    user = admin_access(UserFactory(**kwargs))
    grant(user, ticket_type, Level.MANAGE, group_name=f"{ticket_type.name} agents")
    return user


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    """An email template; the shipped defaults already exist after migrate."""

    class Meta:
        model = "wagtail_tickets.EmailTemplate"
        django_get_or_create = ("kind", "ticket_type", "language")

    kind = "default_reply"
    ticket_type = None
    language = ""
    subject = ""
    body = "Hello {contact:first_name},\n\n{MESSAGE}\n\n{AGENT}\n{LINK}"
    active = True


class OutgoingMailFactory(factory.django.DjangoModelFactory):
    """A row of the outbox: by default a sent "claimed" mail without a ticket."""

    class Meta:
        model = "wagtail_tickets.OutgoingMail"

    kind = "claimed"
    from_email = "a@b.example"
    to = "x@example.com"
    subject = factory.Sequence(lambda n: f"Mail {n}")
    body_text = "t"
    body_html = "h"
    message_id = factory.Sequence(lambda n: f"<{n}@outbox.example>")
    state = "sent"


def make_customer(*ticket_types, company=None, **fields):
    """A customer who may open and answer tickets of each type (the "Customers" group), a
    user of ``company`` when one is given."""
    user = UserFactory(**fields)
    for ticket_type in ticket_types:
        grant(user, ticket_type, Level.WRITE, group_name="Customers")
    if company is not None:
        company.users.add(user)
    return user


def customer_record_world(*agent_permissions: str) -> dict:
    """The world of the customer tickets tab: alice of Acme writes tickets of Hardware and
    Billing and has one of each; the agent manages Hardware only and holds
    ``agent_permissions`` (those that let them edit the customer record)."""
    hardware = TicketTypeFactory(name="Hardware")
    billing = TicketTypeFactory(name="Billing")
    acme = CompanyFactory(name="Acme")
    alice = make_customer(hardware, billing, company=acme, username="alice")
    agent = make_admin_agent(hardware, permissions=agent_permissions, username="agent")
    return {
        "hardware": hardware,
        "billing": billing,
        "acme": acme,
        "alice": alice,
        "agent": agent,
        "acme_hw": make_ticket(alice, hardware, subject="Acme printer jam"),
        "acme_bill": make_ticket(alice, billing, subject="Acme invoice secret"),
    }
