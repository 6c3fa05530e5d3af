"""THE access policy: which tickets a user sees and what they may do to one.

Wagtail groups hold a level per ticket type (``TypePermission``); a type may also give a
level to every signed-in active user (``TicketType.signed_in_level``: read, create or write,
for sites where customers register themselves). A user's level on a type is the highest of
these (superusers manage every type). Levels are cumulative:

- read: see own tickets of the type (and company or all tickets, as the type's visibility says)
- create: open tickets
- write: reply to and close visible tickets
- delete: delete own tickets
- manage: agent of the type: sees and changes all its tickets, sees internal notes

Every view, admin screen, importer and command asks here; none repeats these rules. A ticket
outside ``customer_tickets`` / ``agent_tickets`` must answer 404, never its data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from .conf import app_settings, customer_model_is_user_model, get_customer_model
from .models import (
    ExternalPageSettings,
    Message,
    Ticket,
    TicketSettings,
    TicketType,
    TypePermission,
)

Level = TypePermission.Level
_CACHE_ATTR = "_wagtail_tickets_access"
_EVERY_TYPE_ATTR = "_wagtail_tickets_every_type"
_CUSTOMER_ATTR = "_wagtail_tickets_customer"


@dataclass(frozen=True)
class TypeAccess:
    level: int
    visibility: str


def type_access(user) -> dict[int, TypeAccess]:
    """``{type_id: TypeAccess}`` for active types the user holds any level on, from their
    groups or the type's level for every signed-in user (one query, cached on the user
    object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        types = list(TicketType.objects.values_list("pk", "visibility", "active"))
        access = {
            pk: TypeAccess(Level.MANAGE, visibility) for pk, visibility, active in types if active
        }
        every_type = len(access) == len(types)
    else:
        # one row per type (there are few): the groups' highest level on it, its level for
        # every signed-in user, and whether it is active; the number of rows is the number
        # of types there are, for manages_every_type
        group_level = (
            TypePermission.objects.filter(ticket_type=OuterRef("pk"), group__user=user)
            .order_by()
            .values("ticket_type")
            .annotate(level=Max("level"))
            .values("level")
        )
        rows = (
            TicketType.objects.order_by()
            .annotate(group_level=Subquery(group_level))
            .values_list("pk", "visibility", "active", "signed_in_level", "group_level")
        )
        access, types = {}, 0
        for pk, visibility, active, signed_in, groups in rows:
            types += 1
            level = max(signed_in or 0, groups or 0)
            if active and level:
                access[pk] = TypeAccess(level, visibility)
        managed = sum(1 for a in access.values() if a.level >= Level.MANAGE)
        every_type = bool(managed) and managed == types
    setattr(user, _EVERY_TYPE_ATTR, every_type)
    setattr(user, _CACHE_ATTR, access)
    return access


def forget(user) -> None:
    """Drop what is cached on the user object: levels and customer record (after a group,
    permission or customer change in the same request)."""
    for name in (_CACHE_ATTR, _EVERY_TYPE_ATTR, _CUSTOMER_ATTR):
        if hasattr(user, name):
            delattr(user, name)


def level_for(user, ticket_type_id: int) -> int:
    access = type_access(user).get(ticket_type_id)
    return access.level if access else 0


def type_ids_with_level(user, level: int) -> list[int]:
    return [pk for pk, access in type_access(user).items() if access.level >= level]


def creatable_types(user) -> QuerySet[TicketType]:
    """Types the user may open tickets on (at least the create level)."""
    return TicketType.objects.filter(pk__in=type_ids_with_level(user, Level.CREATE)).select_related(
        "group"
    )


def managed_type_ids(user) -> list[int]:
    """The ids of the active types ``user`` is an agent of (manage level)."""
    return type_ids_with_level(user, Level.MANAGE)


def manages_type(user, ticket_type: TicketType | int) -> bool:
    """Whether ``user`` is an agent of the type (a ``TicketType`` or its id): manage on
    it, which superusers have on every active type. The one test of "agent of a type"
    that actions and admin screens ask."""
    type_id = ticket_type if isinstance(ticket_type, int) else ticket_type.pk
    return level_for(user, type_id) >= Level.MANAGE


def managed_types(user) -> QuerySet[TicketType]:
    return TicketType.objects.filter(pk__in=managed_type_ids(user))


def is_agent(user) -> bool:
    """Whether ``user`` is an agent of at least one active type (reaches the admin's
    ticket screens); ``agents()`` is the same rule as a query."""
    return bool(managed_type_ids(user))


def customer_for(user):
    """The customer record of a user: the user itself when the customer model is the user
    model, else the record linked through ``CUSTOMER_USERS_FIELD`` (cached per request)."""
    if user is None or not user.is_authenticated:
        return None
    if customer_model_is_user_model():
        return user
    if hasattr(user, _CUSTOMER_ATTR):
        return getattr(user, _CUSTOMER_ATTR)
    field = app_settings.CUSTOMER_USERS_FIELD
    customer = None
    if field:
        customer = get_customer_model()._default_manager.filter(**{field: user}).first()
    setattr(user, _CUSTOMER_ATTR, customer)
    return customer


def prefetch_customers(users) -> None:
    """``customer_for`` of many users in one query (the mail import's senders): each
    user's record, the first in the customer model's order as ``customer_for`` takes it,
    is kept on the user object."""
    users = [
        user
        for user in users
        if user is not None and user.is_authenticated and not hasattr(user, _CUSTOMER_ATTR)
    ]
    field = app_settings.CUSTOMER_USERS_FIELD
    if not users or not field:
        return
    if customer_model_is_user_model():
        return
    records = get_customer_model()._default_manager.filter(**{f"{field}__in": users})
    if not records.ordered:
        records = records.order_by("pk")
    first: dict = {}
    for record in records.annotate(_wagtail_tickets_user=F(field)):
        first.setdefault(record._wagtail_tickets_user, record)
    for user in users:
        setattr(user, _CUSTOMER_ATTR, first.get(user.pk))


def customer_tickets(user) -> QuerySet[Ticket]:
    """Tickets the user sees in the customer area: their own on every type they can read,
    plus the company's or everyone's where the type's visibility allows it."""
    access = type_access(user)
    if not access:
        return Ticket.objects.none()
    readable = list(access)
    condition = Q(requester=user, ticket_type__in=readable)
    everyone = [pk for pk, a in access.items() if a.visibility == TicketType.Visibility.ALL]
    if everyone:
        condition |= Q(ticket_type__in=everyone)
    customer = customer_for(user)
    company = [pk for pk, a in access.items() if a.visibility == TicketType.Visibility.COMPANY]
    if customer is not None and company:
        condition |= Q(customer=customer, ticket_type__in=company)
    return Ticket.objects.filter(condition)


def own_tickets(user) -> QuerySet[Ticket]:
    """The tickets the user opened, on the types they can read ("My Tickets")."""
    readable = list(type_access(user))
    if not readable:
        return Ticket.objects.none()
    return Ticket.objects.filter(requester=user, ticket_type__in=readable)


def company_tickets(user) -> QuerySet[Ticket]:
    """The visible tickets of the user's customer record that others opened: what
    ``customer_tickets`` shows of the record, written as one simple condition so that the
    (customer, updated) index serves it."""
    customer = customer_for(user)
    if customer is None or customer == user:
        return Ticket.objects.none()
    shown = [
        pk
        for pk, access in type_access(user).items()
        if access.visibility in (TicketType.Visibility.COMPANY, TicketType.Visibility.ALL)
    ]
    return Ticket.objects.filter(customer=customer, ticket_type__in=shown).exclude(requester=user)


def has_company(user) -> bool:
    """Whether a "Company tickets" view makes sense for this user."""
    customer = customer_for(user)
    if customer is None or customer == user:
        return False
    return any(a.visibility != TicketType.Visibility.OWN for a in type_access(user).values())


def shared_tickets(user) -> QuerySet[Ticket]:
    """Other users' tickets on types that show them to everyone ("show other users'
    tickets")."""
    everyone = [
        pk for pk, a in type_access(user).items() if a.visibility == TicketType.Visibility.ALL
    ]
    if not everyone:
        return Ticket.objects.none()
    return Ticket.objects.filter(ticket_type__in=everyone).exclude(requester=user)


def has_shared(user) -> bool:
    """Whether a "Shared tickets" view makes sense for this user."""
    return any(a.visibility == TicketType.Visibility.ALL for a in type_access(user).values())


def agent_tickets(user) -> QuerySet[Ticket]:
    """Every ticket of the types the user manages (the agent's inbox). Someone who manages
    every type gets the unfiltered table: a list of all type ids would only keep the
    database from answering a filter or sort from its index alone."""
    types = agent_types(user)
    if types is None:
        return Ticket.objects.all()
    if not types:
        return Ticket.objects.none()
    return Ticket.objects.filter(ticket_type__in=sorted(types))


def agent_types(user) -> frozenset[int] | None:
    """The ids of the types whose tickets ``agent_tickets`` gives; ``None`` when that is
    every type (the unfiltered table)."""
    managed = managed_type_ids(user)
    if managed and manages_every_type(user):
        return None
    return frozenset(managed)


def manages_every_type(user) -> bool:
    """Whether the user manages every ticket type there is, inactive ones included (found
    by ``type_access``'s query and cached with it)."""
    if not type_access(user):
        return False
    return getattr(user, _EVERY_TYPE_ATTR, False)


def can_see(user, ticket: Ticket) -> bool:
    return can_manage(user, ticket) or customer_tickets(user).filter(pk=ticket.pk).exists()


def reaches_admin(user) -> bool:
    """Whether Wagtail lets ``user`` into its admin, where the inbox and the workspace are
    (Wagtail's "access admin" permission; superusers have it)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
    )


def works_in_inbox(user) -> bool:
    """Whether ``user`` works with tickets as an agent on the web: an agent of a type who
    reaches the admin. Anyone else, a manage level without the admin included, reaches
    tickets only as the customer area shows them; the API answers by the same rule."""
    return is_agent(user) and reaches_admin(user)


def works_on(user, ticket: Ticket) -> bool:
    """Whether ``user`` handles ``ticket`` in the admin's workspace (``works_in_inbox``
    and an agent of its type)."""
    return can_manage(user, ticket) and reaches_admin(user)


def can_open(user, ticket: Ticket) -> bool:
    """Whether ``user`` reaches ``ticket``'s page on the web: the workspace
    (``works_on``), else the customer area's page (``customer_tickets``). The API opens
    a ticket by this rule, so a token reaches what its user reaches on the web."""
    return works_on(user, ticket) or customer_tickets(user).filter(pk=ticket.pk).exists()


def can_create(user, ticket_type: TicketType | None = None) -> bool:
    if ticket_type is None:
        return bool(type_ids_with_level(user, Level.CREATE))
    return ticket_type.active and level_for(user, ticket_type.pk) >= Level.CREATE


def can_manage(user, ticket: Ticket) -> bool:
    return manages_type(user, ticket.ticket_type_id)


def can_reply(user, ticket: Ticket) -> bool:
    """Customers with write reply to visible tickets while they are open; agents always."""
    if can_manage(user, ticket):
        return True
    return (
        not ticket.status.is_closed
        and level_for(user, ticket.ticket_type_id) >= Level.WRITE
        and can_see(user, ticket)
    )


def ticket_options(user=None) -> TicketSettings:
    """The global options (``TicketSettings``), read once per user object (request)."""
    cached = getattr(user, "_wagtail_tickets_options", None)
    if cached is not None:
        return cached
    options = TicketSettings.load()
    if user is not None:
        user._wagtail_tickets_options = options
    return options


def customers_may_close(user=None) -> bool:
    """Whether customers close their own tickets (and visitors theirs through the private
    link): the ticket options' "customers may close their tickets", edited by
    administrators. ``WAGTAIL_TICKETS["CUSTOMERS_MAY_CLOSE"]`` is only its first value."""
    return ticket_options(user).customers_may_close


def can_close(user, ticket: Ticket) -> bool:
    if ticket.status.is_closed:
        return False
    if can_manage(user, ticket):
        return True
    return customers_may_close(user) and can_reply(user, ticket)


def can_choose_priority(user, ticket_type: TicketType) -> bool:
    """Agents always; customers when the options or the type allow it; a visitor without
    an account never (the external page leaves the priority to the team)."""
    if is_visitor(user):
        return False
    if manages_type(user, ticket_type):
        return True
    return (
        ticket_type.customer_can_choose_priority
        or ticket_options(user).customers_may_choose_priority
    )


def reopen_deadline(ticket: Ticket, user=None) -> datetime.datetime | None:
    """Until when customers may reopen ``ticket`` themselves: ``reopen_days`` (ticket
    options) after it closed. ``None`` when they may not (the option is 0, or the ticket
    is open or has no closing time)."""
    days = ticket_options(user).reopen_days
    if not days or not ticket.status.is_closed or ticket.closed_at is None:
        return None
    return ticket.closed_at + datetime.timedelta(days=days)


def within_reopen_window(ticket: Ticket, user=None) -> bool:
    """Whether ``ticket`` closed recently enough for its customers to reopen it now."""
    deadline = reopen_deadline(ticket, user)
    return deadline is not None and timezone.now() < deadline


def can_reopen(user, ticket: Ticket) -> bool:
    """Agents reopen closed tickets of their types at any time; customers who may reply to
    the ticket (write level, they see it) within ``reopen_days`` of its closing. Later a
    customer opens a new ticket that refers to it."""
    if not ticket.status.is_closed:
        return False
    if can_manage(user, ticket):
        return True
    return (
        within_reopen_window(ticket, user)
        and level_for(user, ticket.ticket_type_id) >= Level.WRITE
        and can_see(user, ticket)
    )


def can_delete(user, ticket: Ticket) -> bool:
    """Delete is for one's own tickets, or for agents of the type."""
    if can_manage(user, ticket):
        return True
    return (
        ticket.requester_id is not None
        and ticket.requester_id == user.pk
        and level_for(user, ticket.ticket_type_id) >= Level.DELETE
    )


def can_replace_status(user) -> bool:
    """Deleting a status that tickets use (they move to another first) is for whoever
    may delete statuses in the ticket setup (Django's "delete status" permission)."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("wagtail_tickets.delete_status")
    )


def can_see_internal(user, ticket: Ticket) -> bool:
    return can_manage(user, ticket)


def is_visible_to_customer(message: Message | None) -> bool:
    """Whether a message may be shown or mailed to a customer (or anyone who is not an
    agent of its type): never an internal note, and ``None`` is no message to show."""
    return message is not None and not message.is_internal


def customer_visible_messages(ticket_or_messages: Ticket | QuerySet[Message]) -> QuerySet[Message]:
    """The messages of a ticket (or of a queryset of messages) that may be shown or mailed
    to a customer: the same rule as ``is_visible_to_customer``, as a query."""
    if isinstance(ticket_or_messages, QuerySet):
        messages = ticket_or_messages
    else:
        messages = ticket_or_messages.messages.all()
    return messages.filter(is_internal=False)


def visible_messages(user, ticket: Ticket) -> QuerySet[Message]:
    """The conversation as this user may read it: internal notes only for agents."""
    if can_see_internal(user, ticket):
        return ticket.messages.all()
    return customer_visible_messages(ticket)


def is_assignable(user, ticket_type: TicketType) -> bool:
    """Whether tickets of the type may be assigned to ``user``: its support team, or a
    superuser; never an inactive account."""
    if user is None or not user.is_active:
        return False
    return user.is_superuser or agents_for_type(ticket_type).filter(pk=user.pk).exists()


def agents_for_type(ticket_type: TicketType) -> QuerySet:
    """The support team of a type: active users with manage on it, superusers aside."""
    return agents_for_types([ticket_type.pk])


def agents_for_types(type_ids: list[int]) -> QuerySet:
    """Active users with manage on any of the types, superusers aside."""
    return _active_users(
        _agent_group_members(TypePermission.objects.filter(ticket_type__in=type_ids))
    )


def agents() -> QuerySet:
    """Everyone ``is_agent`` says is an agent, as one query: active users with manage on
    an active type, and active superusers while there is an active type (they manage
    every one). What Wagtail asks of the admin's ticket policy."""
    condition = _agent_group_members(TypePermission.objects.filter(ticket_type__active=True))
    if TicketType.objects.filter(active=True).exists():
        condition |= Q(is_superuser=True)
    return _active_users(condition)


def _agent_group_members(rows: QuerySet[TypePermission]) -> Q:
    """Members of a group with manage in ``rows``. Written as "member of a group
    that manages one": a semi-join on the few agent groups, not a join of every user's
    groups made distinct (customers' group memberships outnumber the agents' a hundred
    times)."""
    User = get_user_model()
    # the group ids as values, not a subquery: the planner then knows from its statistics
    # that the agents' groups have few members (a subquery made it scan every membership)
    agent_groups = list(
        rows.filter(level__gte=Level.MANAGE).values_list("group", flat=True).distinct()
    )
    members = User.groups.through.objects.filter(group__in=agent_groups).values("user")
    return Q(pk__in=members)


def _active_users(condition: Q) -> QuerySet:
    return (
        get_user_model()
        ._default_manager.filter(condition, is_active=True)
        .order_by("first_name", "last_name", "pk")
    )


# The external page. A visitor there has no account: the page's options say whether they
# may open a ticket and on which types, and holding a ticket's private link is their
# permission on that one ticket. Rate limits and the cap on open tickets per address are
# abuse limits, not access rules: they are in external/throttle.py and the view.


def is_visitor(user) -> bool:
    """Whether nobody is logged in (a visitor of the external page): what such a person
    may do is decided by the functions below, never by a level."""
    return user is None or not user.is_authenticated


def external_page_open(page: ExternalPageSettings) -> bool:
    """Whether the external page exists: switched off, the page and every private link
    answer 404, and mail carries no private links."""
    return bool(page.enabled)


def visitor_may_open(user, page: ExternalPageSettings) -> bool:
    """Whether ``user`` may open a ticket on the external page without an account (with
    their name and email, followed through a private link): a visitor, on a page that is
    on and allows anonymous users. A logged-in user opens as themselves instead, on the
    types ``external_types`` gives them."""
    return is_visitor(user) and external_page_open(page) and bool(page.allow_anonymous)


def external_login_required(user, page: ExternalPageSettings) -> bool:
    """Whether the external page sends ``user`` to log in before the new-ticket form: a
    visitor the page does not let open tickets without an account."""
    return is_visitor(user) and not visitor_may_open(user, page)


def external_types(user, offered: Iterable[TicketType]) -> list[TicketType]:
    """Types offered on the external page to this user, out of the page's ``offered``:
    every active one for a visitor, those they may create on for a logged-in user (none
    for an inactive account)."""
    offered = [t for t in offered if t.active]
    if is_visitor(user):
        return offered
    return [t for t in offered if can_create(user, t)]


def may_add_cc(user) -> bool:
    """Whether the person opening a ticket may put CC addresses on it: an active account
    (within its limit of new addresses, notifications/ratelimit.py). A visitor may not:
    their address is typed, not proven, so CC would let anyone have our mail sent to
    anyone."""
    return not is_visitor(user) and bool(user.is_active)


def link_holder_can_reply(ticket: Ticket | None) -> bool:
    """The holder of a private link replies while the ticket is open."""
    return ticket is not None and not ticket.status.is_closed


def link_holder_can_close(ticket: Ticket | None) -> bool:
    """The holder of a private link closes an open ticket when customers may close
    theirs."""
    return link_holder_can_reply(ticket) and customers_may_close()


def link_holder_can_reopen(ticket: Ticket | None) -> bool:
    """The holder of a private link reopens a closed ticket within ``reopen_days`` of its
    closing, as a customer would."""
    return ticket is not None and within_reopen_window(ticket)


def link_holder_messages(ticket: Ticket | None) -> QuerySet[Message]:
    """The conversation a private link shows, and whose files it serves: what a customer
    sees, never an internal note."""
    if ticket is None:
        return Message.objects.none()
    return visible_messages(None, ticket)


# Satisfaction ratings. Only the requester rates a ticket, once it is closed and for
# ``RATING_DAYS`` after its closing (changing the rating too); whoever else sees the ticket
# (company tickets, agents) does not. The requester proves who they are by their account in
# the customer area, by the private link of a ticket opened without an account, or by the
# signed link of the rating request mail (a bearer link, like the private link: whoever
# the mail reached, which includes the ticket's CC addresses, may use it).


def rating_deadline(ticket: Ticket) -> datetime.datetime | None:
    """Until when ``ticket`` may be rated (and its rating changed): ``RATING_DAYS`` after
    it closed. ``None`` while it is open, or when ratings are off (``RATING_DAYS = 0``)."""
    days = app_settings.RATING_DAYS
    if not days or not ticket.status.is_closed or ticket.closed_at is None:
        return None
    return ticket.closed_at + datetime.timedelta(days=days)


def within_rating_window(ticket: Ticket) -> bool:
    """Whether ``ticket`` is closed and closed recently enough to be rated now."""
    deadline = rating_deadline(ticket)
    return deadline is not None and timezone.now() < deadline


def can_rate(user, ticket: Ticket) -> bool:
    """The signed-in requester rates their own closed ticket within the window."""
    return (
        user is not None
        and user.is_authenticated
        and ticket.requester_id is not None
        and ticket.requester_id == user.pk
        and within_rating_window(ticket)
    )


def link_holder_can_rate(ticket: Ticket | None) -> bool:
    """The holder of a private link (a ticket opened without an account) rates it within
    the window."""
    return ticket is not None and ticket.requester_id is None and within_rating_window(ticket)


def rating_link_can_rate(ticket: Ticket | None) -> bool:
    """The holder of a rating request's signed link rates the ticket within the window:
    the link names this ticket and went where the ticket's customer mail goes (the
    requester, with the ticket's CC addresses in copy)."""
    return ticket is not None and within_rating_window(ticket)


def sees_ratings(user, ticket: Ticket) -> bool:
    """Agents of the ticket's type read its rating and comment in the workspace."""
    return can_manage(user, ticket)


# Inbound mail. SMTP does not authenticate the From header: anyone can write any address
# there. What a mail may do is decided here, from three things the importer finds: the
# address of its strictly parsed From (mail/parse.py), the active accounts with that
# address, and whether the site's own receiving server authenticated its From domain
# (DMARC or DKIM in an Authentication-Results header, mail/authresults.py). The signed token
# of our own Message-IDs is checked in mail/thread.py: it lets a mail answer its ticket,
# whoever sent it, and grants nothing else. See docs/security.md.

# ASCII letters only: str.lower() also folds some other letters into ASCII ones (the
# Kelvin sign into "k"), and so would make two different addresses one.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def mail_address_key(address: str) -> str:
    """The form in which mail addresses are compared: ASCII letters in lower case, every
    other character as it is. Two addresses are the same sender only when their keys are
    equal; a database match (``iexact``, which folds more than ASCII on PostgreSQL) is a
    candidate to check against this key, never the answer."""
    return (address or "").strip().translate(_ASCII_LOWER)


@dataclass(frozen=True)
class MailSender:
    """Who an inbound mail says it is from.

    ``address``: the addr-spec of its strictly parsed From (empty: unknown).
    ``accounts``: the active accounts whose address has the same key.
    ``authenticated``: whether the site's receiving server passed its From domain (DMARC or
    DKIM, as ``INBOUND_REQUIRE_AUTHENTICATION`` asks); ``None`` when nobody asked."""

    address: str
    accounts: tuple = ()
    authenticated: bool | None = None

    @property
    def verified(self) -> bool:
        """Whether the address may be taken as the sender's own: always, unless the site
        requires authentication of the From domain and this mail did not pass it."""
        if not app_settings.INBOUND_REQUIRE_AUTHENTICATION:
            return True
        return self.authenticated is True

    @property
    def impersonates_account(self) -> bool:
        """An account's address, but not verified: the mail is a stranger's."""
        return bool(self.accounts) and not self.verified


def is_agent_of(user, ticket: Ticket) -> bool:
    """Whether ``user`` answers ``ticket`` as staff: an active user with manage on its type.
    An inactive user is never an agent, whatever their groups say."""
    return bool(
        user is not None
        and getattr(user, "is_active", False)
        and user.is_authenticated
        and can_manage(user, ticket)
    )


def inbound_account(sender: MailSender):
    """What an inbound From may unlock: the one active account with its address, which
    then is the requester of a new ticket, the author of a reply, and an agent's staff
    answer where ``is_agent_of`` says so. ``None`` (the mail is a guest's) when no account
    or several have the address, or when the site requires authentication and the mail did
    not pass it: an unverified mail never speaks for an account."""
    if len(sender.accounts) != 1 or not sender.verified:
        return None
    return sender.accounts[0]


def may_reopen_by_mail(sender: MailSender, ticket: Ticket) -> bool:
    """Whether a mail that continues the closed ``ticket`` reopens it by its sender's
    right: an agent of the type at any time (``can_reopen``), its customers within
    ``reopen_days`` of its closing: an account that may reopen it on the web, its
    requester's account, or, for a ticket without an account, its requester's address.
    Anyone else's mail (and any mail once the window has passed) follows the mailbox's
    policy for replies to closed tickets. A mail the site could not authenticate never
    speaks for an account."""
    if not ticket.status.is_closed:
        return False
    account = inbound_account(sender)
    if account is not None:
        if can_reopen(account, ticket):
            return True
        return ticket.requester_id == account.pk and within_reopen_window(ticket)
    key = mail_address_key(sender.address)
    if not key or sender.impersonates_account or ticket.requester_id is not None:
        return False
    return key == mail_address_key(ticket.requester_email) and within_reopen_window(ticket)


def may_join_by_mail(sender: MailSender, ticket: Ticket) -> bool:
    """Whether a mail may add to ``ticket`` because its subject names the ticket
    (``[ts #N]``) or it refers to a Message-ID stored with it; anyone else's mail opens a
    ticket of its own. Those may join: the requester (the address on the ticket or the
    requester's account), a CC address, a user of the ticket's customer record, and an
    agent of the type. An account's address that the site requires to be authenticated
    joins only when the mail passed that check."""
    key = mail_address_key(sender.address)
    if not key or sender.impersonates_account:
        return False
    known = [ticket.requester_email, *ticket.cc_list]
    if ticket.requester_id and ticket.requester is not None:
        known.append(ticket.requester.email)
    if key in {mail_address_key(address) for address in known if address}:
        return True
    for account in sender.accounts:
        if ticket.customer_id is not None:
            record = customer_for(account)
            if record is not None and record.pk == ticket.customer_id:
                return True
        if is_agent_of(account, ticket):
            return True
    return False


def may_handle_personal_data(user) -> bool:
    """Who may export anyone's data or erase it (``privacy``): superusers only, since an
    erasure reaches every type's tickets and cannot be undone."""
    return bool(getattr(user, "is_active", False) and getattr(user, "is_superuser", False))


# --- merged and linked tickets ---------------------------------------------------------


def can_merge(user, source: Ticket, target: Ticket) -> bool:
    """An agent merges a ticket into another when they manage both types."""
    return can_manage(user, source) and can_manage(user, target)


def merge_refusal(source: Ticket, target: Ticket) -> str | None:
    """Why ``source`` must not be merged into ``target`` for its customer's sake, or
    ``None``. A merge sends the source's readers to the target, so it must not give anyone
    a ticket they could not read: the source's requester must see the target in the
    customer area already (their own ticket, or their company's or everyone's where the
    target's type shows those); a ticket without an account only joins a ticket without
    an account of the same address (its private links then open the target). Company
    colleagues and others who saw the source through its type are not sent to a target
    they cannot see (``merge_target_for``). The source's CC addresses join the target's:
    the agent sees them before confirming."""
    if source.requester_id is not None:
        requester = source.requester
        if getattr(requester, "is_active", False) and can_see(requester, target):
            return None
        return "requester"
    if target.requester_id is None and mail_address_key(source.requester_email) == (
        mail_address_key(target.requester_email)
    ):
        return None
    return "guest"


def merge_target_for(user, source: Ticket) -> Ticket | None:
    """Where the customer area sends ``user`` who opens a merged ticket: its target, when
    they may see it; else ``None`` (the source's page says it was merged)."""
    from .models import TicketMerge

    merge = TicketMerge.objects.filter(source_id=source.pk).only("target_id").first()
    if merge is None:
        return None
    return (
        customer_tickets(user)
        .select_related("ticket_type", "status", "priority")
        .filter(pk=merge.target_id)
        .first()
    )


def can_link(user, ticket: Ticket, other: Ticket) -> bool:
    """Agents link (and unlink, and split into) tickets of the types they manage."""
    return can_manage(user, ticket) and can_manage(user, other)


def customer_links(user, ticket: Ticket) -> QuerySet:
    """The links of ``ticket`` the customer area shows ``user``: those whose other ticket
    they see too (``customer_tickets``), with both tickets' numbers, subjects and states."""
    from .models import TicketLink

    visible = customer_tickets(user).values("pk")
    return (
        TicketLink.objects.filter(
            Q(from_ticket=ticket, to_ticket__in=visible)
            | Q(to_ticket=ticket, from_ticket__in=visible)
        )
        .select_related("from_ticket__status", "to_ticket__status")
        .order_by("kind", "pk")
    )
