"""The inbox search: ticket number, subject, requester, customer record and message text.

On PostgreSQL it is database full-text search: words are matched through the GIN indexes
of ``wagtail_tickets.db.search_vector`` (the ticket's own words, and the words of all its
messages collected by a trigger), the number through its unique index, and registered
requesters and customer records through a short list of matching ids, so that every branch
uses an index and PostgreSQL can combine them (a bitmap OR) instead of reading the ticket
table. Words match whole ("printer" finds "printer", not "printers"), in any language: the
``simple`` configuration neither stems nor drops words. An address also matches by its
parts ("acme" finds ``it@acme.example``).

Customer records are matched by their name when the search runs, never copied into the
tickets' words: a renamed record is found by its new name at once, with nothing to refresh.

Elsewhere (SQLite) it is substring matching, fine for the small sites that run on it.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from .conf import customer_model_is_user_model, get_customer_model
from .db.search_vector import HEADER_VECTOR_SQL, SEARCH_CONFIG
from .db.tables import TICKET
from .models import Message, Ticket

# registered requesters (and customer records) matched by name or address; more would make
# the query slower than the search it narrows
MAX_REQUESTERS = 200
MAX_CUSTOMERS = 200
# the fields of a customer record that name it, those the host's model has (the user model:
# first name, last name, address)
CUSTOMER_NAME_FIELDS = ("name", "name2", "first_name", "last_name", "email")
# a word found in more tickets than this is "common": see _full_text_condition
PROBE_LIMIT = 1_000


def search_tickets(queryset: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    """``queryset`` narrowed to tickets matching ``term``: number (with or without ``#``),
    subject, requester name or address, or the text of any message. Control characters are
    dropped; a term with nothing else matches everything."""
    term = "".join(char for char in term if char.isprintable()).strip()
    if not term:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(_full_text_condition(term))
    return queryset.filter(_substring_condition(term))


def customer_name_fields(model=None) -> list[str]:
    """The text fields of the customer model (or ``model``) that the search matches."""
    model = model or get_customer_model()
    names = []
    for name in CUSTOMER_NAME_FIELDS:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.concrete and isinstance(field, models.CharField | models.TextField):
            names.append(name)
    return names


def _matching_ids(model, fields, term: str, limit: int) -> list:
    condition = Q()
    for name in fields:
        condition |= Q(**{f"{name}__icontains": term})
    if not condition:
        return []
    return list(
        model._default_manager.filter(condition).order_by().values_list("pk", flat=True)[:limit]
    )


def _people_condition(term: str) -> Q:
    """Registered requesters and customer records whose name or address contains ``term``:
    one short list of ids each (one list in all when customer records are the users)."""
    if term.lstrip("#").isdigit():
        return Q()  # a ticket number, not a name
    user_model = get_user_model()
    users = _matching_ids(user_model, customer_name_fields(user_model), term, MAX_REQUESTERS)
    condition = Q(requester__in=users) if users else Q()
    if customer_model_is_user_model():
        return condition | Q(customer__in=users) if users else condition
    customers = _matching_ids(get_customer_model(), customer_name_fields(), term, MAX_CUSTOMERS)
    return condition | Q(customer__in=customers) if customers else condition


def search_branches(term: str) -> list[Q]:
    """The two word conditions (PostgreSQL): message words, and subject and requester;
    each is served by its GIN index."""
    query = f"plainto_tsquery('{SEARCH_CONFIG}'::regconfig, %s)"
    return [
        Q(RawSQL(f"{TICKET}.search_vector @@ {query}", [term], output_field=BooleanField())),
        Q(RawSQL(f"{HEADER_VECTOR_SQL} @@ {query}", [term], output_field=BooleanField())),
    ]


def probe(branches: list[Q]) -> QuerySet:
    """``(branch number, ticket id)`` of at most ``PROBE_LIMIT + 1`` tickets per branch,
    each branch read through its own index, all in one round trip."""
    probes = [
        Ticket.objects.filter(branch)
        .order_by()
        .annotate(branch=Value(index))
        .values_list("branch", "pk")[: PROBE_LIMIT + 1]
        for index, branch in enumerate(branches)
    ]
    return probes[0].union(*probes[1:], all=True)


def _full_text_condition(term: str) -> Q:
    """Each word index is asked alone first, for at most ``PROBE_LIMIT`` tickets. Rare
    words: the page is read from those ids (PostgreSQL's estimate for the combined condition
    is too coarse; it would walk the whole table in date order looking for them). Common
    words: the combined condition, which the date-ordered index walk satisfies at once."""
    branches = search_branches(term)
    found = list(probe(branches))
    ids = {pk for _branch, pk in found}
    per_branch = Counter(branch for branch, _pk in found)
    common = any(n > PROBE_LIMIT for n in per_branch.values())
    words = (branches[0] | branches[1]) if common else Q(pk__in=sorted(ids))
    condition = words | Q(number=term.lstrip("#"))
    people = _people_condition(term)
    return condition | people if people else condition


def _substring_condition(term: str) -> Q:
    in_messages = Message.objects.filter(ticket=OuterRef("pk"), body_text__icontains=term)
    customer = Q()
    for name in customer_name_fields():
        customer |= Q(**{f"customer__{name}__icontains": term})
    return (
        customer
        | Q(number__icontains=term.lstrip("#"))
        | Q(subject__icontains=term)
        | Q(requester_name__icontains=term)
        | Q(requester_email__icontains=term)
        | Q(requester__email__icontains=term)
        | Q(requester__first_name__icontains=term)
        | Q(requester__last_name__icontains=term)
        | Exists(in_messages)
    )
