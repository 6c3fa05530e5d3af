"""Who is in the benchmark desk: the configuration made through the ORM (types, groups,
agents, options) and the customer users and records loaded with COPY.

Needs Django set up with ``bench.settings``.
"""

from __future__ import annotations

import datetime
import random

import psycopg
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from wagtail_tickets.models import (
    Category,
    Priority,
    Rate,
    Status,
    TicketSettings,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)

from .pgload import copy_rows
from .synth import Scale, World

AGENTS = 50
PASSWORD = "bench"
HOT_CUSTOMER = "Hot Customer"
HOT_USER = "hotuser"
Visibility = TicketType.Visibility
Level = TypePermission.Level
TYPES = {
    "Products": [
        ("Printers", Visibility.COMPANY),
        ("Laptops", Visibility.COMPANY),
        ("Network", Visibility.COMPANY),
        ("Software", Visibility.COMPANY),
    ],
    "Services": [
        ("Hosting", Visibility.COMPANY),
        ("Consulting", Visibility.OWN),
        ("Community", Visibility.ALL),
    ],
    "Administration": [
        ("Billing", Visibility.OWN),
        ("Contracts", Visibility.COMPANY),
        ("Accounts", Visibility.COMPANY),
    ],
}
CATEGORIES = ("Hardware", "Software", "Account", "Invoice", "Question")
FIRST = "Anna Bram Carla Daan Eva Finn Greta Hugo Iris Jonas Kim Lars Mila Noah Olga Piet".split()
LAST = "Jansen Baker Okafor Novak Rossi Smit Berg Visser Moreau Kowalski Haas Meyer".split()


def configure(password_hash: str) -> dict:
    """Types, categories, rates, groups, 50 agents and the options (the ORM's small part).
    Returns the Agents and Customers groups and the agents."""
    types = []
    for group_order, (group_name, specs) in enumerate(TYPES.items()):
        group = TicketTypeGroup.objects.create(name=group_name, sort_order=group_order)
        for name, visibility in specs:
            types.append(
                TicketType.objects.create(
                    name=name, group=group, visibility=visibility, sort_order=len(types)
                )
            )
    for order, name in enumerate(CATEGORIES):
        Category.objects.create(name=name, sort_order=order)
    Rate.objects.create(name="Standard", value=85, sort_order=0)
    Rate.objects.create(name="Priority", value=120, sort_order=1)

    agents_group = Group.objects.create(name="Agents")
    customers_group = Group.objects.create(name="Customers")
    agents_group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        # agents look customers up in the CRM (the "Customer tickets" tab)
        *Permission.objects.filter(
            content_type__app_label="crm", codename__in=["view_customer", "change_customer"]
        ),
    )
    TypePermission.objects.bulk_create(
        [TypePermission(group=agents_group, ticket_type=t, level=Level.MANAGE) for t in types]
        + [TypePermission(group=customers_group, ticket_type=t, level=Level.WRITE) for t in types]
    )
    User = get_user_model()
    agents = User.objects.bulk_create(
        [
            User(
                username=f"agent{i:02d}",
                first_name=FIRST[i % len(FIRST)],
                last_name=f"{LAST[i % len(LAST)]} (agent {i:02d})",
                email=f"agent{i:02d}@support.example",
                is_staff=True,
                password=password_hash,
            )
            for i in range(1, AGENTS + 1)
        ]
    )
    agents_group.user_set.add(*agents)
    options = TicketSettings.load()
    options.auto_close_days = 14
    options.save()
    return {"agents_group": agents_group, "customers_group": customers_group, "agents": agents}


def copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def model_rows(model, values: list[dict]) -> tuple[list[str], str]:
    """COPY columns and rows for ``model``: given values by field name, the field's
    default for every other column."""
    given = values[0].keys() if values else ()
    # a primary key not given comes from its sequence
    fields = [f for f in model._meta.concrete_fields if f.attname in given or not f.primary_key]
    columns = [f.column for f in fields]
    lines = []
    for row in values:
        lines.append(
            "\t".join(
                copy_text(row[f.attname] if f.attname in row else f.get_default()) for f in fields
            )
            + "\n"
        )
    return columns, "".join(lines)


def load_customers(
    conn: psycopg.Connection,
    rng: random.Random,
    scale: Scale,
    password_hash: str,
    customers_group: Group,
    now: datetime.datetime,
) -> tuple[list[tuple[int, str, str, int]], list[int], int]:
    """Customer users (in Customers), customer records and their links, all by COPY.
    Returns ``(users as (id, name, email, customer id), hot customer's user ids, hot
    customer id)``; the hot customer's first user is ``hotuser``."""
    from wagtail_tickets.conf import app_settings, get_customer_model

    User = get_user_model()
    Customer = get_customer_model()
    first_user = (User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    first_customer = 1
    user_values, links, memberships = [], [], []
    users = []
    customer_of = [first_customer] * scale.hot_users
    others = [first_customer + 1 + i for i in range(scale.customers - 1)]
    rest = scale.users - scale.hot_users
    customer_of += [others[i % len(others)] for i in range(len(others))]
    customer_of += rng.choices(others, k=rest - len(others))
    for index in range(scale.users):
        pk = first_user + index
        if index == 0:
            username = HOT_USER
        elif index < scale.hot_users:
            username = f"hot{index:04d}"
        else:
            username = f"user{index:06d}"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{username}@customer.example"
        user_values.append(
            {
                "id": pk,
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": email,
                "password": password_hash,
                "date_joined": now,
                "is_active": True,
            }
        )
        users.append((pk, f"{first} {last}", email, customer_of[index]))
        links.append({"user_id": pk, "group_id": customers_group.pk})
        memberships.append({"customer_id": customer_of[index], "user_id": pk})
    customer_values = [
        {
            "id": first_customer + i,
            "name": HOT_CUSTOMER if i == 0 else f"{rng.choice(LAST)} & {rng.choice(LAST)} {i}",
            "email": f"office{i}@customer.example",
            "city": rng.choice(("Amsterdam", "Berlin", "Milan", "Utrecht", "Vienna")),
            "ctime": now,
            "mtime": now,
        }
        for i in range(scale.customers)
    ]
    through = getattr(Customer, app_settings.CUSTOMER_USERS_FIELD).through
    for model, values in (
        (User, user_values),
        (User.groups.through, links),
        (Customer, customer_values),
        (through, memberships),
    ):
        columns, rows = model_rows(model, values)
        copy_rows(conn, model._meta.db_table, columns, [rows])
    return users, [user[0] for user in users[: scale.hot_users]], first_customer


def world(users, hot_user_ids, agents) -> World:
    statuses = list(Status.objects.order_by("sort_order", "pk"))
    open_ids = [s.pk for s in statuses if not s.is_closed]
    priorities = {p.name: p.pk for p in Priority.objects.all()}
    return World(
        agents=[(a.pk, f"{a.first_name} {a.last_name}", a.email) for a in agents],
        users=users,
        hot_user_ids=hot_user_ids,
        type_ids=list(TicketType.objects.order_by("sort_order").values_list("pk", flat=True)),
        open_status_ids=(open_ids + open_ids[-1:] * 4)[:4],
        closed_status_id=next(s.pk for s in statuses if s.is_closed),
        priority_ids=[priorities[name] for name in ("Low", "Normal", "High", "Urgent")],
        category_ids=list(Category.objects.order_by("sort_order").values_list("pk", flat=True)),
        rate_ids=list(Rate.objects.values_list("pk", flat=True)),
    )
