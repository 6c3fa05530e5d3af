"""The permission matrix of the customer area (every role against every action).

Each level (none, read, create, write, delete, manage) x whose ticket (own, a colleague's
of the same customer record, a stranger's) x type (A lets users see their company's
tickets, B only their own) x every customer view (list, detail, reply, close, delete,
attachment). The expected outcome of every cell is written by hand in ``TABLE`` below from
the product rules: it is not computed by calling ``permissions.py``, so a change of
the policy or of a view that lets anything through fails here.

The tested user holds the level on both types; the colleague shares the user's company;
the stranger belongs to another company. Every ticket has an attachment.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets.models import Attachment, Message, Ticket, TicketType, TypePermission
from wagtail_tickets.views.customer import CLOSE_CONFIRMATION

Level = TypePermission.Level
pytestmark = pytest.mark.django_db

LEVELS = {
    "none": None,
    "read": Level.READ,
    "create": Level.CREATE,
    "write": Level.WRITE,
    "delete": Level.DELETE,
    "manage": Level.MANAGE,
}
VIEWS = ("list", "detail", "reply", "close", "delete", "attachment")

# level   owner    type | list   detail reply close delete attachment
# "ok" means the action happened (302 and the change is in the database); 403 is the
# access-denied page with nothing changed; 404 is "not found" with nothing changed.
TABLE = """
none    own      A  | hidden 404 404 404 404 404
none    own      B  | hidden 404 404 404 404 404
none    company  A  | hidden 404 404 404 404 404
none    company  B  | hidden 404 404 404 404 404
none    other    A  | hidden 404 404 404 404 404
none    other    B  | hidden 404 404 404 404 404
read    own      A  | shown  200 403 403 403 200
read    own      B  | shown  200 403 403 403 200
read    company  A  | shown  200 403 403 403 200
read    company  B  | hidden 404 404 404 404 404
read    other    A  | hidden 404 404 404 404 404
read    other    B  | hidden 404 404 404 404 404
create  own      A  | shown  200 403 403 403 200
create  own      B  | shown  200 403 403 403 200
create  company  A  | shown  200 403 403 403 200
create  company  B  | hidden 404 404 404 404 404
create  other    A  | hidden 404 404 404 404 404
create  other    B  | hidden 404 404 404 404 404
write   own      A  | shown  200 ok  ok  403 200
write   own      B  | shown  200 ok  ok  403 200
write   company  A  | shown  200 ok  ok  403 200
write   company  B  | hidden 404 404 404 404 404
write   other    A  | hidden 404 404 404 404 404
write   other    B  | hidden 404 404 404 404 404
delete  own      A  | shown  200 ok  ok  ok  200
delete  own      B  | shown  200 ok  ok  ok  200
delete  company  A  | shown  200 ok  ok  403 200
delete  company  B  | hidden 404 404 404 404 404
delete  other    A  | hidden 404 404 404 404 404
delete  other    B  | hidden 404 404 404 404 404
manage  own      A  | shown  200 ok  ok  ok  200
manage  own      B  | shown  200 ok  ok  ok  200
manage  company  A  | shown  200 ok  ok  ok  200
manage  company  B  | hidden 404 404 404 404 404
manage  other    A  | hidden 404 404 404 404 404
manage  other    B  | hidden 404 404 404 404 404
"""


def parse_table(text: str) -> dict[tuple[str, str, str, str], str]:
    cells = {}
    for line in text.strip().splitlines():
        left, right = line.split("|")
        level, owner, kind = left.split()
        outcomes = right.split()
        assert len(outcomes) == len(VIEWS), line
        for view, outcome in zip(VIEWS, outcomes, strict=True):
            cells[(level, owner, kind, view)] = outcome
    return cells


EXPECTED = parse_table(TABLE)


def test_table_covers_every_cell():
    assert len(EXPECTED) == len(LEVELS) * 3 * 2 * len(VIEWS)


def url(name: str, *args) -> str:
    return reverse(f"wagtail_tickets:{name}", args=args)


@pytest.fixture
def world():
    return build_world()


def build_world():
    """Types A and B, the tested user, a colleague, a stranger, and six tickets (the API's
    matrix, tests/contrib/api/test_access_matrix.py, builds the same)."""
    types = {
        "A": TicketTypeFactory(name="Type A", visibility=TicketType.Visibility.COMPANY),
        "B": TicketTypeFactory(name="Type B", visibility=TicketType.Visibility.OWN),
    }
    user = UserFactory(username="tested")
    colleague = UserFactory(username="colleague")
    stranger = UserFactory(username="stranger")
    CompanyFactory(name="Acme").users.add(user, colleague)
    CompanyFactory(name="Other").users.add(stranger)
    for kind in types.values():
        grant(colleague, kind, Level.WRITE, group_name="Colleagues")
        grant(stranger, kind, Level.WRITE, group_name="Strangers")
    owners = {"own": user, "company": colleague, "other": stranger}
    tickets = {}
    for owner_name, owner in owners.items():
        for kind_name, kind in types.items():
            tickets[(owner_name, kind_name)] = make_ticket(
                owner,
                kind,
                subject=f"{owner_name} {kind_name}",
                files=[
                    SimpleUploadedFile(f"{owner_name}.txt", f"content of {owner_name}".encode())
                ],
            )
    return types, user, tickets


def give_level(world, level_name):
    """The tested user holds ``level_name`` on both types (through a group)."""
    types, user, tickets = world
    if LEVELS[level_name] is not None:
        for kind in types.values():
            grant(user, kind, LEVELS[level_name], group_name=f"tested {level_name}")
    return user, tickets


def as_level(world, level_name):
    user, tickets = give_level(world, level_name)
    client = Client()
    client.force_login(user)
    return client, tickets


def state(ticket: Ticket) -> tuple:
    """What the actions could change: existence, status, message count."""
    row = Ticket.objects.filter(pk=ticket.pk).select_related("status").first()
    if row is None:
        return ("deleted",)
    return (row.status.is_closed, Message.objects.filter(ticket=row).count())


CASES = [
    pytest.param(level, owner, kind, view, id=f"{level}-{owner}-{kind}-{view}")
    for (level, owner, kind, view) in EXPECTED
]


@pytest.mark.parametrize("level, owner, kind, view", CASES)
def test_permission_matrix(world, level, owner, kind, view):
    expected = EXPECTED[(level, owner, kind, view)]
    client, tickets = as_level(world, level)
    ticket = tickets[(owner, kind)]
    number = ticket.number
    before = state(ticket)
    link = url("detail", number)

    if view == "list":
        pages = [client.get(url("my_tickets")), client.get(url("my_tickets") + "?scope=company")]
        assert all(page.status_code == 200 for page in pages)
        # a link from the company list carries that list (?list=...) for the way back
        shown = any(
            f'href="{link}"' in page.content.decode()
            or f'href="{link}?list=' in page.content.decode()
            for page in pages
        )
        assert shown is (expected == "shown")
        return

    if view == "detail":
        response = client.get(link)
        assert response.status_code == int(expected)
        if expected == "200":
            assert ticket.subject in response.content.decode()
        else:
            assert ticket.subject not in response.content.decode()
        return

    if view == "attachment":
        attachment = Attachment.objects.get(message__ticket=ticket)
        response = client.get(url("attachment", number, attachment.pk))
        assert response.status_code == int(expected)
        if expected == "200":
            assert b"".join(response.streaming_content) == b"content of " + owner.encode()
            assert response["Content-Disposition"].startswith("attachment")
        return

    if view == "reply":
        response = client.post(url("reply", number), {"body": "<p>matrix reply</p>"})
    elif view == "close":
        response = client.post(url("close", number), {"confirm": "yes"})
    else:
        response = client.post(url("delete", number))
    after = state(ticket)

    if expected == "ok":
        assert response.status_code == 302
        if view == "reply":
            assert after == (False, before[1] + 1)
        elif view == "close":
            assert after == (True, before[1])
        else:
            assert after == ("deleted",)
    else:
        assert response.status_code == int(expected)
        assert after == before
        if expected == "404":
            assert ticket.subject not in response.content.decode()


SIGNED_IN_CASES = [
    pytest.param(level, owner, kind, view, id=f"signed-in-{level}-{owner}-{kind}-{view}")
    for (level, owner, kind, view) in EXPECTED
    if level in ("read", "create", "write")
]


@pytest.mark.parametrize("level, owner, kind, view", SIGNED_IN_CASES)
def test_signed_in_level_gives_the_same_cells_as_a_group(world, level, owner, kind, view):
    """A type's level for every signed-in user opens exactly the cells of that level held
    through a group: the tested user is in no group at all."""
    types, user, tickets = world
    TicketType.objects.filter(pk__in=[t.pk for t in types.values()]).update(
        signed_in_level=LEVELS[level]
    )
    assert not user.groups.exists()
    expected = EXPECTED[(level, owner, kind, view)]
    client = Client()
    client.force_login(user)
    ticket = tickets[(owner, kind)]
    link = url("detail", ticket.number)
    if view == "list":
        pages = [client.get(url("my_tickets")), client.get(url("my_tickets") + "?scope=company")]
        linked = re.compile(f'href="{re.escape(link)}(\\?[^"]*)?"')
        shown = any(linked.search(page.content.decode()) for page in pages)
        assert shown is (expected == "shown")
        return
    if view == "detail":
        assert client.get(link).status_code == int(expected)
        return
    if view == "attachment":
        attachment = Attachment.objects.get(message__ticket=ticket)
        assert client.get(url("attachment", ticket.number, attachment.pk)).status_code == int(
            expected
        )
        return
    before = state(ticket)
    if view == "reply":
        response = client.post(url("reply", ticket.number), {"body": "<p>signed in</p>"})
    elif view == "close":
        response = client.post(url("close", ticket.number), {CLOSE_CONFIRMATION: "yes"})
    else:
        response = client.post(url(view, ticket.number))
    if expected == "ok":
        assert response.status_code == 302
        assert state(ticket) != before
    else:
        assert response.status_code == int(expected)
        assert state(ticket) == before


# Foreign and unknown numbers and ids ----------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "999999",
        "0",
        "-1",
        "..",
        "%2e%2e",
        "260001%00",
        "260001\x00",
        "\x00",
        "26%0d%0a0001",
        "1 OR 1=1",
        "x" * 300,
        "%E2%80%8B260001",
    ],
)
@pytest.mark.parametrize("view", ["detail", "reply", "close", "delete"])
def test_unknown_numbers_are_404(world, number, view):
    client, _tickets = as_level(world, "manage")
    path = f"/tickets/{number}/" + ("" if view == "detail" else f"{view}/")
    response = client.get(path) if view == "detail" else client.post(path)
    assert response.status_code == 404


def test_attachment_id_of_another_ticket_is_404_even_when_both_are_visible(world):
    client, tickets = as_level(world, "manage")
    own, company = tickets[("own", "A")], tickets[("company", "A")]
    foreign = Attachment.objects.get(message__ticket=company)
    assert client.get(url("attachment", company.number, foreign.pk)).status_code == 200
    assert client.get(url("attachment", own.number, foreign.pk)).status_code == 404


def test_attachment_id_of_an_invisible_ticket_is_404_through_an_own_number(world):
    client, tickets = as_level(world, "write")
    own = tickets[("own", "A")]
    for owner, kind in (("other", "A"), ("other", "B"), ("company", "B")):
        hidden = Attachment.objects.get(message__ticket=tickets[(owner, kind)])
        assert client.get(url("attachment", own.number, hidden.pk)).status_code == 404


@pytest.mark.parametrize("pk", ["0", "99999999", "99999999999999999999999"])
def test_unknown_attachment_ids_are_404(world, pk):
    client, tickets = as_level(world, "write")
    own = tickets[("own", "A")]
    response = client.get(f"/tickets/{own.number}/attachments/{pk}/")
    assert response.status_code == 404


def test_inactive_type_hides_even_own_tickets(world):
    client, tickets = as_level(world, "manage")
    own = tickets[("own", "A")]
    TicketType.objects.filter(name="Type A").update(active=False)
    assert client.get(url("detail", own.number)).status_code == 404
    attachment = Attachment.objects.get(message__ticket=own)
    assert client.get(url("attachment", own.number, attachment.pk)).status_code == 404
