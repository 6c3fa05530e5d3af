"""``wagtail_tickets.links``: every URL put into mail and pages comes from a URL name, and a
name that is not installed gives an empty link, never an error. The modules that build mail
and links import no views and no admin screens."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.factories import TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets import links

PACKAGE = Path(links.__file__).resolve().parent


@pytest.mark.django_db
def test_paths_come_from_url_names():
    ticket = make_ticket(UserFactory(), TicketTypeFactory())
    assert links.customer_ticket_url(ticket) == f"/tickets/{ticket.number}/"
    assert links.workspace_url(ticket.pk) == f"/admin/tickets/{ticket.pk}/"
    assert links.new_ticket_url(5) == "/admin/tickets/new/?customer=5"
    assert links.inbox_url() == links.inbox_url(assignee="", state=None) == "/admin/tickets/"


def test_query_values_are_encoded_not_spliced():
    for hostile in ("1&state=closed", "1#x", "a b", "\r\nX: y", "é"):
        url = links.inbox_url(assignee=hostile)
        query = url.split("?", 1)[1]
        assert query.startswith("assignee=") and query.count("=") == 1, url
        assert not set(query) & set("&# \r\n"), url
    assert "&" not in links.new_ticket_url("1&x=2").split("?", 1)[1]


def test_a_url_name_that_is_not_installed_gives_an_empty_link(monkeypatch):
    monkeypatch.setattr(links, "WORKSPACE_URL_NAME", "missing_admin:edit")
    monkeypatch.setattr(links, "INBOX_URL_NAME", "missing_admin:index")
    monkeypatch.setattr(links, "DETAIL_URL_NAME", "missing:detail")
    assert links.workspace_url(1) == ""
    assert links.inbox_url(assignee=3) == ""

    class Ticket:
        number = "260001"

    assert links.customer_ticket_url(Ticket()) == ""
    assert links.absolute("") == ""


def test_absolute_puts_the_base_url_in_front_of_paths_only(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "BASE_URL": "https://help.example"}
    assert links.absolute("/tickets/1/") == "https://help.example/tickets/1/"
    assert links.absolute("https://other.example/x") == "https://other.example/x"
    assert links.absolute("") == ""


def imported_modules(path: Path) -> set[str]:
    """The package modules ``path`` imports (relative imports resolved)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("wagtail_tickets")}


def test_links_downloads_and_notifications_import_no_views_or_admin():
    paths = [PACKAGE / "links.py", PACKAGE / "downloads.py"]
    paths += sorted((PACKAGE / "notifications").glob("*.py"))
    for path in paths:
        for name in imported_modules(path):
            assert not name.startswith(
                ("wagtail_tickets.views", "wagtail_tickets.admin", "wagtail_tickets.external.forms")
            ), (path.name, name)
