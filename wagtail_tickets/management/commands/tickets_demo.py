"""``manage.py tickets_demo``: demo data to try wagtail-tickets out.

Creates the type group "Products" with the types "Support" and "Billing", the default
workflow and priorities (seeded by the migrations; restored only if an administrator deleted
all of them), categories, rates, a response template, the Wagtail groups "Customers" and
"Support team", five users with the password ``demo-password``, a few tickets with
conversations (three closed ones rated by their customers) and the mailbox "Support demo
mailbox": mail in the IMAP account ``support@demo.example`` (password ``demo-password``)
on 127.0.0.1:1143, without TLS, becomes Support tickets (``dev.py demo`` runs that server;
``--imap-port`` picks another port, also for a demo mailbox made earlier). Every ticket
change goes through ``wagtail_tickets.actions``, as on the web.

Installed apps add their own demo data through the ``tickets_demo_data`` hook (functions
without arguments, run in the same transaction, each returning a line to print): the help
centre sub-app publishes a help centre with a few articles.

Running it again changes nothing that is already there (it resets the demo users' passwords).
``--logins`` changes nothing at all: it prints the logins, once the outbox has no mail
waiting (at most ``--wait-for-mail`` seconds), so that they come after the demo's startup
mail.

Customer records: when ``WAGTAIL_TICKETS_CUSTOMER_MODEL`` is the user model, every user is
their own customer. Otherwise the command creates two records and links the demo users to
them only when the customer model has a ``name`` field and ``CUSTOMER_USERS_FIELD`` names one
of its many-to-many fields to the user model; for any other customer model it says so and
leaves linking to the site's own admin.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail import hooks

from ... import actions, permissions
from ...conf import app_settings, customer_model_is_user_model, get_customer_model
from ...models import (
    Category,
    Mailbox,
    OutgoingMail,
    Priority,
    Rate,
    Rating,
    ResponseTemplate,
    Status,
    Ticket,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)

PASSWORD = "demo-password"
Level = TypePermission.Level


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    groups: tuple[str, ...] = ()
    superuser: bool = False


USERS = (
    DemoUser("customer", "Carla", "Jansen", "customer of Acme Ltd", ("Customers",)),
    DemoUser("colleague", "Colin", "Baker", "colleague at Acme Ltd", ("Customers",)),
    DemoUser("customer2", "Dana", "Okafor", "customer of Globex Corporation", ("Customers",)),
    DemoUser("agent", "Alex", "Morgan", "agent: manages Support and Billing", ("Support team",)),
    DemoUser("admin", "Ada", "Admin", "superuser", (), superuser=True),
)

CUSTOMERS = {
    "Acme Ltd": {
        "users": ("customer", "colleague"),
        "details": {
            "email": "office@acme.example",
            "phone": "+31 20 555 0100",
            "address": "Keizersgracht",
            "address_no": "12",
            "zip": "1015 CS",
            "city": "Amsterdam",
            "country": "Netherlands",
            "first_name": "Carla",
            "last_name": "Jansen",
            "sirmadam": "Ms",
            "salutation": "Dear Ms Jansen",
        },
    },
    "Globex Corporation": {
        "users": ("customer2",),
        "details": {
            "email": "info@globex.example",
            "phone": "+49 30 555 0199",
            "address": "Friedrichstraße",
            "address_no": "80",
            "zip": "10117",
            "city": "Berlin",
            "country": "Germany",
            "first_name": "Dana",
            "last_name": "Okafor",
        },
    },
}

TYPES = (
    {
        "name": "Support",
        "description": "Questions and problems with our products.",
        "visibility": TicketType.Visibility.COMPANY,
        "customer_can_choose_priority": True,
        "asks_for_rating": True,
    },
    {
        "name": "Billing",
        "description": "Invoices, payments and contracts.",
        "visibility": TicketType.Visibility.COMPANY,
        "customer_can_choose_priority": False,
        "asks_for_rating": True,
    },
)
# the IMAP server that example_site/mailserver.py runs for the demo
DEMO_MAILBOX = {
    "name": "Support demo mailbox",
    "host": "127.0.0.1",
    "port": 1143,
    "security": Mailbox.Security.NONE,
    "username": "support@demo.example",
    "password": PASSWORD,
    "folder": "INBOX",
    "active": True,
}
CATEGORIES = ("Hardware", "Software", "Account", "Invoice")
RATES = (("Standard", Decimal("85.00")), ("Priority", Decimal("120.00")))


class Command(BaseCommand):
    help = (
        "Load demo data: ticket types, groups, users (password demo-password) and tickets "
        "with conversations. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--imap-port",
            type=int,
            default=DEMO_MAILBOX["port"],
            help="Port of the demo mailbox's IMAP server on 127.0.0.1 (default 1143); a demo "
            "mailbox that still reads from 127.0.0.1 follows it.",
        )
        parser.add_argument(
            "--logins",
            action="store_true",
            help="Only print the logins (changes nothing), after the outbox has no mail waiting.",
        )
        parser.add_argument(
            "--wait-for-mail",
            type=float,
            default=0,
            help="With --logins: wait at most this many seconds for waiting mail to be sent.",
        )

    def handle(
        self,
        *args,
        imap_port: int = DEMO_MAILBOX["port"],
        logins: bool = False,
        wait_for_mail: float = 0,
        **options,
    ) -> None:
        if logins:
            wait_for_outbox(max(0.0, min(wait_for_mail, MAX_MAIL_WAIT)))
            self.print_logins()
            return
        with transaction.atomic():
            ensure_workflow()
            types = ensure_types()
            ensure_lists(types)
            groups = ensure_groups(types)
            users = ensure_users(groups)
            linked = self.ensure_customers(users)
            created = ensure_tickets(users, types)
            ensure_ratings(users, types)
            ensure_external_page(types)
            mailbox = ensure_mailbox(types, imap_port)
            # installed sub-apps add their own demo data (the help centre's articles)
            extra = [fn() for fn in hooks.get_hooks("tickets_demo_data")]
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(types)} types, {len(users)} users, "
                f"{created} new tickets ({Ticket.objects.count()} in all)."
            )
        )
        for line in extra:
            if line:
                self.stdout.write(line)
        if not linked:
            self.stdout.write("Demo users are not linked to customer records (see above).")
        self.print_logins()
        self.stdout.write(
            f"Mail to {mailbox.address_label} becomes Support tickets "
            "(manage.py import_ticket_mail, or the schedule every 5 minutes)."
        )

    def ensure_customers(self, users: dict) -> bool:
        if customer_model_is_user_model():
            return True
        model = get_customer_model()
        field = linkable_users_field(model)
        if field is None:
            self.stdout.write(
                self.style.WARNING(
                    f"Customer model {model._meta.label} has no 'name' field or "
                    "CUSTOMER_USERS_FIELD does not name a many-to-many field to users: "
                    "link the demo users to customer records in the admin."
                )
            )
            return False
        for name, spec in CUSTOMERS.items():
            record = model._default_manager.filter(name=name).first()
            if record is None:
                record = model(name=name, **known_fields(model, spec["details"]))
                try:
                    record.full_clean()
                except ValidationError as exc:
                    self.stdout.write(
                        self.style.WARNING(f"Cannot create customer record {name!r}: {exc}")
                    )
                    return False
                record.save()
            getattr(record, field).add(*(users[username] for username in spec["users"]))
        for user in users.values():
            permissions.forget(user)
        return True

    def print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD})")
        for user in USERS:
            self.stdout.write(f"  {user.username:<10} {user.role}")
        self.stdout.write(
            "Customers log in at /accounts/login/ (customer area /account/), agents and the "
            "admin at /admin/."
        )


def ensure_external_page(types: dict[str, TicketType]) -> None:
    """Switch the external page on for visitors without an account, offering the
    Support type, unless an administrator has configured it already."""
    from ...models import ExternalPageSettings

    page = ExternalPageSettings.load()
    if page.enabled or page.offered_types.exists():
        return
    page.enabled = True
    page.allow_anonymous = True
    page.save()
    page.offered_types.set([types["Support"]])


def ensure_mailbox(types: dict[str, TicketType], port: int) -> Mailbox:
    """The Support type's demo mailbox: mail to a type's mailbox becomes a ticket. It reads
    the demo's IMAP server on ``port``; an administrator's other changes to it are kept,
    and so is the port once they point it at another host."""
    mailbox, created = Mailbox.objects.get_or_create(
        name=DEMO_MAILBOX["name"],
        defaults={**DEMO_MAILBOX, "port": port, "ticket_type": types["Support"]},
    )
    if not created and mailbox.host == DEMO_MAILBOX["host"] and mailbox.port != port:
        mailbox.port = port
        mailbox.save(update_fields=["port"])
    return mailbox


# the longest wait for the outbox that --wait-for-mail may ask for
MAX_MAIL_WAIT = 120.0
MAIL_POLL = 0.5


def wait_for_outbox(seconds: float) -> bool:
    """Wait until no outgoing mail is waiting or being sent, at most ``seconds``; whether
    the outbox is empty."""
    waiting = OutgoingMail.State.PENDING, OutgoingMail.State.SENDING
    deadline = time.monotonic() + seconds
    while True:
        due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
        pending = OutgoingMail.objects.filter(due, state__in=waiting).exists()
        if not pending or time.monotonic() >= deadline:
            return not pending
        time.sleep(MAIL_POLL)


def ensure_workflow() -> None:
    """The default statuses and the priorities come from migration 0002; seed them again only
    if an administrator removed them all (the migration's own function does it)."""
    migration = importlib.import_module("wagtail_tickets.migrations.0002_default_workflow")
    migration.seed(django_apps, None)


def ensure_types() -> dict[str, TicketType]:
    group, _ = TicketTypeGroup.objects.get_or_create(name="Products")
    types = {}
    for order, spec in enumerate(TYPES):
        ticket_type, _ = TicketType.objects.get_or_create(
            name=spec["name"], defaults={**spec, "group": group, "sort_order": order}
        )
        types[ticket_type.name] = ticket_type
    return types


def ensure_lists(types: dict[str, TicketType]) -> None:
    for order, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (name, value) in enumerate(RATES):
        Rate.objects.get_or_create(name=name, defaults={"value": value, "sort_order": order})
    template, created = ResponseTemplate.objects.get_or_create(
        name="Thanks, we are on it",
        defaults={
            "body": "<p>Thank you for your message. We are looking into it and will get back "
            "to you today.</p>",
        },
    )
    if created:
        template.types.set(types.values())


def ensure_groups(types: dict[str, TicketType]) -> dict[str, Group]:
    customers, _ = Group.objects.get_or_create(name="Customers")
    team, _ = Group.objects.get_or_create(name="Support team")
    for ticket_type in types.values():
        TypePermission.objects.get_or_create(
            group=customers, ticket_type=ticket_type, defaults={"level": Level.DELETE}
        )
        TypePermission.objects.get_or_create(
            group=team, ticket_type=ticket_type, defaults={"level": Level.MANAGE}
        )
    team.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    if not customer_model_is_user_model():
        customer_model = get_customer_model()
        content_type = ContentType.objects.get_for_model(customer_model)
        team.permissions.add(
            *Permission.objects.filter(
                content_type=content_type,
                codename__in=[
                    f"view_{customer_model._meta.model_name}",
                    f"change_{customer_model._meta.model_name}",
                ],
            )
        )
    return {"Customers": customers, "Support team": team}


def ensure_users(groups: dict[str, Group]) -> dict:
    User = get_user_model()
    users = {}
    for spec in USERS:
        user, _ = User._default_manager.get_or_create(
            **{User.USERNAME_FIELD: spec.username},
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.com",
            },
        )
        user.is_active = True
        user.is_superuser = spec.superuser
        user.is_staff = spec.superuser
        user.set_password(PASSWORD)
        user.save()
        user.groups.add(*(groups[name] for name in spec.groups))
        permissions.forget(user)
        users[spec.username] = user
    return users


def ensure_tickets(users: dict, types: dict[str, TicketType]) -> int:
    """The demo conversations; each is created once (found again by requester and subject)."""
    statuses = {status.name: status for status in Status.objects.all()}
    priorities = {priority.name: priority for priority in Priority.objects.all()}
    categories = {category.name: category for category in Category.objects.all()}
    rate = Rate.objects.filter(name="Standard").first()
    customer, colleague, customer2, agent = (
        users["customer"],
        users["colleague"],
        users["customer2"],
        users["agent"],
    )
    created = 0

    def exists(requester, subject: str) -> bool:
        return Ticket.objects.filter(requester=requester, subject=subject).exists()

    subject = "Printer shows error E-52 after the firmware update"
    if not exists(customer, subject):
        created += 1
        ticket = actions.open_ticket(
            ticket_type=types["Support"],
            subject=subject,
            body_html=(
                "<p>Since yesterday's firmware update our office printer stops with "
                "<strong>error E-52</strong>. What we tried:</p>"
                "<ul><li>switched it off and on</li><li>reinstalled the driver</li></ul>"
                "<p>The log is attached.</p>"
            ),
            actor=customer,
            requester=customer,
            cc=["it@acme.example"],
            priority=priorities.get("High"),
            category=categories.get("Hardware"),
            files=[
                SimpleUploadedFile(
                    "printer-log.txt",
                    b"12:01 firmware 4.2.1 installed\n12:03 E-52 fuser temperature\n",
                    content_type="text/plain",
                )
            ],
        )
        actions.claim_ticket(ticket, actor=agent)
        actions.add_reply(
            ticket,
            actor=agent,
            body_html=(
                "<p>Thanks Carla. E-52 after 4.2.1 is a known issue: please install "
                "firmware <strong>4.2.2</strong> from the service menu.</p>"
            ),
            hours=Decimal("0.50"),
            rate=rate,
        )
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>Same fix as ticket for Initech last week.</p>",
            internal=True,
        )
        _set_status(ticket, agent, statuses.get("Answer"))
        actions.add_reply(
            ticket,
            actor=customer,
            body_html="<p>Installing 4.2.2 now, I will report back this afternoon.</p>",
        )
        _set_status(ticket, agent, statuses.get("In progress"))

    subject = "VPN access for our new colleague"
    if not exists(colleague, subject):
        created += 1
        actions.set_display_name(colleague, "Colin (Acme IT)")
        ticket = actions.open_ticket(
            ticket_type=types["Support"],
            subject=subject,
            body_html="<p>Please create VPN access for Mira Jacobs, who starts on Monday.</p>",
            actor=colleague,
            requester=colleague,
            category=categories.get("Account"),
        )
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>Done: Mira receives her login by email on Monday morning.</p>",
            hours=Decimal("0.25"),
            rate=rate,
        )
        _set_status(ticket, agent, statuses.get("Answer"))

    subject = "Invoice 2024-117 was charged twice"
    if not exists(customer, subject):
        created += 1
        ticket = actions.open_ticket(
            ticket_type=types["Billing"],
            subject=subject,
            body_html="<p>Our card was charged twice for invoice 2024-117.</p>",
            actor=customer,
            requester=customer,
            category=categories.get("Invoice"),
        )
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>Sorry about that: the second payment has been refunded.</p>",
        )
        actions.add_reply(ticket, actor=customer, body_html="<p>Received, thank you!</p>")
        actions.close_ticket(ticket, actor=customer)

    subject = "Cannot log in to the download portal"
    if not exists(customer2, subject):
        created += 1
        actions.open_ticket(
            ticket_type=types["Support"],
            subject=subject,
            body_html="<p>The portal says my password has expired, but the reset mail "
            "never arrives.</p>",
            actor=customer2,
            requester=customer2,
            priority=priorities.get("Urgent"),
            category=categories.get("Account"),
        )

    subject = "Please send a copy of our contract"
    if not exists(customer2, subject):
        created += 1
        ticket = actions.open_ticket(
            ticket_type=types["Billing"],
            subject=subject,
            body_html="<p>Could you send us a copy of the current service contract?</p>",
            actor=customer2,
            requester=customer2,
        )
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>Here you are: the contract is attached.</p>",
            files=[
                SimpleUploadedFile(
                    "service-contract.txt",
                    b"Service contract Globex Corporation, valid until 31 December.\n",
                    content_type="text/plain",
                )
            ],
        )
        actions.close_ticket(ticket, actor=agent)
    return created


def ensure_ratings(users: dict, types: dict[str, TicketType]) -> int:
    """A few closed tickets with their customers' satisfaction ratings (the workspace, the
    inbox's rating filter and the reports show them); each ticket is rated once, while its
    days to rate last. Returns how many ratings were given now."""
    customer, customer2, agent = users["customer"], users["customer2"], users["agent"]
    subject = "Label printer prints blank pages"
    if not Ticket.objects.filter(requester=customer2, subject=subject).exists():
        ticket = actions.open_ticket(
            ticket_type=types["Support"],
            subject=subject,
            body_html="<p>Our label printer feeds the labels but prints nothing on them.</p>",
            actor=customer2,
            requester=customer2,
        )
        actions.claim_ticket(ticket, actor=agent)
        actions.add_reply(ticket, actor=agent, body_html="<p>Please clean the print head.</p>")
        actions.add_reply(ticket, actor=customer2, body_html="<p>Cleaned it: still blank.</p>")
        actions.add_reply(
            ticket,
            actor=agent,
            body_html="<p>Then the thermal ribbon is in the wrong way round: turn it over.</p>",
        )
        actions.close_ticket(ticket, actor=agent)
    wanted = (
        (
            customer,
            "Invoice 2024-117 was charged twice",
            Rating.Score.GOOD,
            "The refund arrived the same day. Thank you!",
            Rating.Via.CUSTOMER_AREA,
        ),
        (
            customer2,
            "Please send a copy of our contract",
            Rating.Score.OKAY,
            "Fine, but it took three days.",
            Rating.Via.MAIL_LINK,
        ),
        (
            customer2,
            subject,
            Rating.Score.BAD,
            "The first answer did not help; the second one did.",
            Rating.Via.MAIL_LINK,
        ),
    )
    given = 0
    for requester, title, score, comment, via in wanted:
        ticket = (
            Ticket.objects.filter(requester=requester, subject=title, rating__isnull=True)
            .select_related("status")
            .first()
        )
        if ticket is None or not permissions.can_rate(requester, ticket):
            continue
        actor = requester if via == Rating.Via.CUSTOMER_AREA else None
        actions.rate_ticket(ticket, score=score, comment=comment, via=via, actor=actor)
        given += 1
    return given


def _set_status(ticket: Ticket, agent, status: Status | None) -> None:
    if status is not None:
        actions.change_ticket(ticket, actor=agent, status=status)


def linkable_users_field(model) -> str | None:
    """The customer model's many-to-many field to users named by CUSTOMER_USERS_FIELD,
    when the model also has a ``name`` field; else None."""
    field_name = app_settings.CUSTOMER_USERS_FIELD
    if not field_name:
        return None
    try:
        model._meta.get_field("name")
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return None
    if not field.many_to_many or field.related_model is not get_user_model():
        return None
    return field_name


def known_fields(model, values: dict) -> dict:
    """Only the values for fields the host's customer model actually has."""
    names = {field.name for field in model._meta.concrete_fields}
    return {name: value for name, value in values.items() if name in names}
