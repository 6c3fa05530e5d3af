"""The export archive, field by field."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command

from wagtail_tickets.privacy.export import write_archive
from wagtail_tickets.privacy.person import Person

from .conftest import EMAIL, MARKER


def _archive(person, **kw):
    out = io.BytesIO()
    counts = write_archive(person, out, **kw)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return counts, archive, json.loads(archive.read("data.json"))


def test_export_of_a_user_field_by_field(world):
    alice, ticket, other = world["alice"], world["ticket"], world["other"]
    counts, archive, data = _archive(Person.for_user(alice))

    [row] = data["tickets"]
    assert row["number"] == ticket.number
    assert row["subject"] == f"{MARKER} printer"
    assert row["requester_email"] == EMAIL
    assert row["ticket_type_name"] == "Hardware"
    assert row["status_name"] == ticket.status.name
    assert row["cc"] == ""

    assert [r["number"] for r in data["cc"]] == [other.number]
    assert EMAIL in data["cc"][0]["cc"]

    bodies = {(m["ticket_number"], m["body_text"].strip()) for m in data["messages"]}
    assert (ticket.number, f"My {MARKER} secret") in bodies
    assert (ticket.number, f"Hello {MARKER}") in bodies  # the agent's answer to her
    assert (other.number, f"alice {MARKER} here") in bodies  # her message on bob's ticket
    assert not any("internal thought" in m["body_text"] for m in data["messages"])
    assert all(m["is_internal"] is False for m in data["messages"])
    # bob's own first message is not hers
    assert not any(
        m["ticket_number"] == other.number and m["author_email"] != EMAIL for m in data["messages"]
    )

    [attachment] = data["attachments"]
    assert attachment["filename"] == f"{MARKER}.txt"
    name = f"attachments/{attachment['id']}-{MARKER}.txt"
    assert archive.read(name) == f"file {MARKER}".encode()

    assert sorted(m["to"] for m in data["outbox"]) == sorted([EMAIL, f"Alice <{EMAIL}>"])
    assert [r["sender"] for r in data["received_mail"]] == [EMAIL]
    [quarantined] = data["quarantine"]
    assert quarantined["subject"] == f"{MARKER}?"
    assert archive.read(f"mail/quarantine-{quarantined['id']}.eml").endswith(
        f"{MARKER} body".encode()
    )
    assert [r["address"] for r in data["rate_limits"]] == [EMAIL]
    assert data["profile"] == [
        {"id": alice.ticket_profile.pk, "display_name": f"{MARKER} display", "language": ""}
    ]
    assert [v["ticket_number"] for v in data["ticket_visits"]] == [other.number]
    assert data["reply_drafts"] == []  # the agent's draft is the agent's
    assert data["full"] is False
    assert counts["tickets"] == 1


def test_full_export_adds_internal_notes_and_history(world):
    _counts, _archive_file, data = _archive(Person.for_user(world["alice"]), full=True)
    assert any(m["body_text"].strip() == "internal thought" for m in data["messages"])
    assert any(h["ticket_id"] == world["ticket"].pk for h in data["history"])


def test_export_of_a_guest_address(world):
    _counts, _archive_file, data = _archive(Person.for_email(EMAIL.upper()))
    # found by address: the ticket she opened with her account's address, too
    assert [t["number"] for t in data["tickets"]] == [world["ticket"].number]
    assert "profile" in data and data["profile"] == []


def test_own_export_does_not_follow_addresses(world):
    """A customer's own export: rows linked to the account, not to an address they may
    have typed into their profile."""
    _counts, _archive_file, data = _archive(Person.for_user(world["alice"], by_address=False))
    assert [t["number"] for t in data["tickets"]] == [world["ticket"].number]
    assert data["quarantine"] == [] and data["rate_limits"] == [] and data["cc"] == []
    assert [m["to"] for m in data["outbox"]] == [f"Alice <{EMAIL}>"]


def test_export_of_someone_else_holds_none_of_her_data(world):
    _counts, archive, data = _archive(Person.for_user(world["bob"]))
    # bob's ticket names her as a CC (bob typed it) and holds her message: his ticket
    assert MARKER not in json.dumps(
        {k: v for k, v in data.items() if k not in ("messages", "tickets")}
    )
    assert data["tickets"][0]["subject"] == "Bob's ticket"
    assert not any(n.startswith("attachments/") for n in archive.namelist())


def test_command_writes_the_archive(world, tmp_path):
    target = tmp_path / "out.zip"
    out = io.StringIO()
    call_command("tickets_export_personal_data", "--user", MARKER, "-o", str(target), stdout=out)
    assert "tickets 1" in out.getvalue()
    data = json.loads(zipfile.ZipFile(target).read("data.json"))
    assert data["tickets"][0]["number"] == world["ticket"].number


@pytest.mark.parametrize(
    "args", [["--user", "nobody"], ["--customer", "99999"], ["--email", "no-at"], []]
)
def test_command_refuses_unknown_people(db, tmp_path, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("tickets_export_personal_data", *args, "-o", str(tmp_path / "x.zip"))
