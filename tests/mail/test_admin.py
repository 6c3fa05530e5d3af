"""Admin screens of incoming mail: mailboxes (the password never shown back, never sent
to a server it was not given for, no server on a private address) and the quarantine
(reason shown, raw download, retry)."""

from __future__ import annotations

import socket
import threading

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import MailboxFactory, TicketTypeFactory, UserFactory
from tests.mail import corpus
from tests.mail.conftest import IMAP_PASSWORD
from tests.test_netguard import PUBLIC_V4, fake_dns
from wagtail_tickets.mail.importer import import_mailbox, import_raw
from wagtail_tickets.models import Mailbox, QuarantinedMessage, Ticket

pytestmark = pytest.mark.django_db

SECRET = "s3cret-imap-pass"
SAME_PASSWORD_AGAIN = "Enter the password again: the server details changed."


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """The public names of these tests, without asking a real resolver."""
    return fake_dns(
        monkeypatch,
        {
            "imap.example.com": [PUBLIC_V4],
            "mail.elsewhere.example": ["93.184.215.15"],
            "imap.loopback.example": ["127.0.0.1"],
            "imap.intranet.example": ["10.1.2.3"],
            "imap.split.example": [PUBLIC_V4, "192.168.0.7"],
            "imap.missing.example": [],
        },
    )


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    return client


@pytest.fixture
def stored_mailbox():
    return MailboxFactory(
        name="Support",
        host="imap.example.com",
        port=993,
        security="tls",
        username="sales@example.com",
        password=SECRET,
    )


def form_data(ticket_type, **overrides):
    data = {
        "name": "Sales",
        "ticket_type": ticket_type.pk,
        "host": "imap.example.com",
        "port": 993,
        "security": "tls",
        "username": "sales@example.com",
        "password": "first-password",
        "folder": "INBOX",
        "on_closed_reply": "reopen",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_mailbox_list_shows_where_not_the_password(admin_client, stored_mailbox):
    response = admin_client.get(reverse("wagtail_tickets_mailboxes:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Support" in content and stored_mailbox.host in content
    assert SECRET not in content


def test_edit_form_never_shows_the_password_and_empty_keeps_it(admin_client, stored_mailbox):
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    data = form_data(stored_mailbox.ticket_type, name="Support renamed", password="")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.name == "Support renamed" and stored_mailbox.password == SECRET
    admin_client.post(url, form_data(stored_mailbox.ticket_type, password="new-one"))
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == "new-one"


def test_create_needs_a_password_and_refuses_hostile_values(admin_client):
    support = TicketTypeFactory(name="Support")
    url = reverse("wagtail_tickets_mailboxes:add")
    for bad in (
        {"password": ""},
        {"host": "imap.example.com\r\nX: y"},
        {"host": "imap.example.com:993"},
        {"port": 0},
        {"port": 70000},
        {"folder": "INBOX\r\nA1 DELETE INBOX"},
        {"username": "a\nb"},
        {"password": "pass\r\nA2 LOGOUT"},
    ):
        response = admin_client.post(url, form_data(support, **bad))
        assert response.status_code == 200, bad
        assert response.context["form"].errors, bad
    assert not Mailbox.objects.exists()
    response = admin_client.post(url, form_data(support))
    assert response.status_code == 302
    assert Mailbox.objects.get().password == "first-password"


@pytest.fixture
def quarantined(stored_mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 5_000}
    raw = corpus.oversized(10_000)
    assert import_raw(raw, stored_mailbox, uidvalidity=9, uid=1) == "quarantined"
    return QuarantinedMessage.objects.get()


def test_quarantine_list_shows_the_reason(admin_client, quarantined, django_assert_max_num_queries):
    for uid in range(2, 30):
        QuarantinedMessage.objects.create(
            mailbox=quarantined.mailbox, reason=f"reason {uid}", raw=b"x", size=1, key=str(uid)
        )
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("wagtail_tickets_quarantine:index"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "reason 29" in content  # newest first, paginated
    assert SECRET not in content
    response = admin_client.get(reverse("wagtail_tickets_quarantine:index") + "?p=2")
    assert "more than the limit" in response.content.decode()


def test_quarantine_inspect_shows_the_full_reason(admin_client, quarantined):
    url = reverse("wagtail_tickets_quarantine:inspect", args=[quarantined.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "more than the limit" in response.content.decode()


def test_raw_message_download(admin_client, quarantined):
    response = admin_client.get(
        reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk])
    )
    assert response.status_code == 200
    assert response.content == bytes(quarantined.raw)
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    missing = reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk + 1000])
    assert admin_client.get(missing).status_code == 404


def test_retry_from_the_admin(admin_client, quarantined, settings):
    url = reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "more than the limit" in page.content.decode()
    response = admin_client.post(url)  # still too large: stays, with a message
    assert response.status_code == 302
    assert QuarantinedMessage.objects.get().attempts == 2
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 50_000}
    response = admin_client.post(url)
    assert response.status_code == 302
    assert not QuarantinedMessage.objects.exists()
    assert Ticket.objects.get().subject == "Huge"
    assert admin_client.post(url).status_code == 404


def test_quarantine_cannot_be_added_or_edited(admin_client, quarantined):
    assert admin_client.get(reverse("wagtail_tickets_quarantine:add")).status_code in (302, 403)
    edit = reverse("wagtail_tickets_quarantine:edit", args=[quarantined.pk])
    assert admin_client.post(edit, {"reason": "changed"}).status_code in (302, 403)
    quarantined.refresh_from_db()
    assert quarantined.reason != "changed"


def test_editor_without_permissions_gets_nothing(client, quarantined, stored_mailbox):
    editor = UserFactory(username="editor")
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    for url in (
        reverse("wagtail_tickets_quarantine:index"),
        reverse("wagtail_tickets_quarantine:download", args=[quarantined.pk]),
        reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk]),
        reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert SECRET.encode() not in response.content
    assert client.post(
        reverse("wagtail_tickets_quarantine:retry", args=[quarantined.pk])
    ).status_code in (302, 403)
    assert QuarantinedMessage.objects.exists()


def test_import_now_queues_the_import(admin_client, imap, mailbox):
    imap.append(corpus.plain())
    url = reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk])
    index = admin_client.get(reverse("wagtail_tickets_mailboxes:index")).content.decode()
    assert url in index
    page = admin_client.get(url)
    assert page.status_code == 200 and mailbox.password.encode() not in page.content
    assert not Ticket.objects.exists()  # showing the page imports nothing
    response = admin_client.post(url)
    assert response.status_code == 302
    # the test settings run django-q2 tasks synchronously: the queued import has run
    assert Ticket.objects.get().requester_email == "carla@customer.example"
    assert imap.messages() == []


def test_import_now_needs_change_permission(client, stored_mailbox):
    editor = UserFactory(username="viewer")
    editor.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_mailbox"),
    )
    client.force_login(editor)
    url = reverse("wagtail_tickets_mailboxes:import", args=[stored_mailbox.pk])
    assert client.post(url).status_code in (302, 403)
    index = client.get(reverse("wagtail_tickets_mailboxes:index"))
    assert index.status_code == 200 and url not in index.content.decode()


# The password stays with the server it was given for; servers on private addresses are
# refused (a user who may only change mailboxes must not learn the secret or make the site
# connect anywhere).


class Listener:
    """Someone else's server on 127.0.0.1: greets like IMAP, refuses every command, and
    records every connection and everything it is sent."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = b""
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while self.running:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(2)
                conn.sendall(b"* OK [CAPABILITY IMAP4rev1] ready\r\n")
                try:
                    while data := conn.recv(4096):
                        self.received += data
                        tag = data.split(b" ", 1)[0]
                        conn.sendall(tag + b" NO refused\r\n")
                except OSError:
                    pass

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


@pytest.fixture
def no_allow_list(settings):
    settings.WAGTAIL_TICKETS = {
        key: value
        for key, value in settings.WAGTAIL_TICKETS.items()
        if key != "MAIL_ALLOWED_PRIVATE_NETWORKS"
    }


def stored_form_data(mailbox: Mailbox, **overrides) -> dict:
    """The edit form as the mailbox is now, password left empty."""
    data = form_data(
        mailbox.ticket_type,
        name=mailbox.name,
        host=mailbox.host,
        port=mailbox.port,
        security=mailbox.security,
        username=mailbox.username,
        password="",
        folder=mailbox.folder,
    )
    data.update(overrides)
    return data


CONNECTION_CHANGES = [
    {"host": "mail.elsewhere.example"},
    {"host": "IMAP.example.com"},
    {"port": 143},
    {"port": "0993"},  # the same number written otherwise: not a change
    {"security": "starttls"},
    {"security": "none"},
    {"username": "someone.else@example.com"},
]


@pytest.mark.parametrize("change", CONNECTION_CHANGES, ids=lambda c: "-".join(map(str, c.values())))
def test_changing_the_server_needs_the_password_again(admin_client, stored_mailbox, change):
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    response = admin_client.post(url, stored_form_data(stored_mailbox, **change))
    stored_mailbox.refresh_from_db()
    if change == {"port": "0993"}:
        assert response.status_code == 302, response.context["form"].errors
        assert stored_mailbox.password == SECRET
        return
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": [SAME_PASSWORD_AGAIN]}
    assert SAME_PASSWORD_AGAIN in response.content.decode()
    assert SECRET not in response.content.decode()
    assert (stored_mailbox.host, stored_mailbox.port, stored_mailbox.security) == (
        "imap.example.com",
        993,
        "tls",
    )
    assert stored_mailbox.username == "sales@example.com" and stored_mailbox.password == SECRET

    response = admin_client.post(url, stored_form_data(stored_mailbox, password="typed", **change))
    assert response.status_code == 302, response.context["form"].errors
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == "typed"


def test_the_same_password_typed_again_is_kept_for_the_new_server(admin_client, stored_mailbox):
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    data = stored_form_data(stored_mailbox, host="mail.elsewhere.example", password=SECRET)
    assert admin_client.post(url, data).status_code == 302
    stored_mailbox.refresh_from_db()
    assert (stored_mailbox.host, stored_mailbox.password) == ("mail.elsewhere.example", SECRET)


def test_other_fields_change_without_the_password(admin_client, stored_mailbox):
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    data = stored_form_data(
        stored_mailbox, name="Renamed", folder="Support", on_closed_reply="new", active=""
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    stored_mailbox.refresh_from_db()
    assert (stored_mailbox.name, stored_mailbox.folder, stored_mailbox.active) == (
        "Renamed",
        "Support",
        False,
    )
    assert stored_mailbox.password == SECRET


def test_a_cleared_password_must_be_entered_before_anything_else(admin_client, stored_mailbox):
    stored_mailbox.host = "mail.elsewhere.example"  # changed by code: the model clears it
    stored_mailbox.save()
    url = reverse("wagtail_tickets_mailboxes:edit", args=[stored_mailbox.pk])
    response = admin_client.post(url, stored_form_data(stored_mailbox, name="Renamed"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "password": ["Enter the password of the IMAP account."]
    }


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "::1",
        "[::1]",
        "0.0.0.0",
        "0",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "2130706433",
        "0177.0.0.1",
        "0x7f.1",
        "0x7f000001",
        "imap.loopback.example",
        "imap.intranet.example",
        "imap.split.example",
    ],
)
def test_servers_on_private_or_local_addresses_are_refused(
    admin_client, host, no_allow_list, listener
):
    support = TicketTypeFactory(name="Support")
    url = reverse("wagtail_tickets_mailboxes:add")
    response = admin_client.post(url, form_data(support, host=host, port=listener.port))
    assert response.status_code == 200
    [error] = response.context["form"].errors["host"]
    assert "local, private or reserved" in error
    assert not Mailbox.objects.exists()
    assert listener.connections == 0


def test_the_allow_list_lets_the_site_use_a_local_server(admin_client, settings):
    support = TicketTypeFactory(name="Support")
    url = reverse("wagtail_tickets_mailboxes:add")
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAIL_ALLOWED_PRIVATE_NETWORKS": ["10.0.0.0/8"],
    }
    assert (
        admin_client.post(url, form_data(support, host="imap.intranet.example")).status_code == 302
    )
    response = admin_client.post(url, form_data(support, name="Local", host="127.0.0.1"))
    assert "local, private or reserved" in response.context["form"].errors["host"][0]


@pytest.mark.parametrize(
    "bad",
    [
        {"port": 0},
        {"port": 70000},
        {"port": -1},
        {"port": "abc"},
        {"port": "143; DROP"},
        {"port": ""},
        {"host": "imap.missing.example"},
        {"host": "[::1"},
        {"host": "imap.example.com/x"},
        {"host": "user@imap.example.com"},
        {"host": ""},
    ],
    ids=repr,
)
def test_ports_and_hosts_that_cannot_be_connected_to_are_form_errors(admin_client, bad):
    support = TicketTypeFactory(name="Support")
    response = admin_client.post(
        reverse("wagtail_tickets_mailboxes:add"), form_data(support, **bad)
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == set(bad)
    assert not Mailbox.objects.exists()


def test_import_now_after_a_server_change_connects_nowhere(admin_client, imap, mailbox, listener):
    """A user who may change mailboxes points the mailbox at their own server and leaves
    the password empty: the form refuses, and the stored password never reaches it, neither
    through "Import now" nor through the schedule."""
    imap.append(corpus.plain())
    edit = reverse("wagtail_tickets_mailboxes:edit", args=[mailbox.pk])
    import_url = reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk])
    response = admin_client.post(edit, stored_form_data(mailbox, port=listener.port))
    assert response.context["form"].errors == {"password": [SAME_PASSWORD_AGAIN]}
    admin_client.post(import_url)  # still the real server: imports there
    assert Ticket.objects.count() == 1
    assert listener.connections == 0

    # the same change made by other code (a command, a shell): the model drops the password
    mailbox.refresh_from_db()
    mailbox.port = listener.port
    mailbox.save()
    mailbox.refresh_from_db()
    assert mailbox.password == ""
    imap.append(corpus.plain(subject="second"))
    response = admin_client.post(import_url, follow=True)
    assert response.status_code == 200
    assert "has no password" in response.content.decode()
    report = import_mailbox(mailbox)  # what the schedule runs
    assert "no password stored" in report.error
    assert listener.connections == 0 and listener.received == b""
    assert IMAP_PASSWORD.encode() not in listener.received
    assert Ticket.objects.count() == 1


def test_import_now_refuses_a_private_server_with_a_message(
    admin_client, mailbox, no_allow_list, listener
):
    mailbox.port = listener.port
    mailbox.set_password(IMAP_PASSWORD)
    mailbox.save()
    url = reverse("wagtail_tickets_mailboxes:import", args=[mailbox.pk])
    response = admin_client.post(url, follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "cannot be imported" in content and "local, private or reserved" in content
    report = import_mailbox(mailbox)
    assert "local, private or reserved" in report.error
    assert listener.connections == 0


# The model keeps the rule for every other way of saving a mailbox.


@pytest.mark.parametrize(
    "field, value",
    [
        ("host", "mail.elsewhere.example"),
        ("port", 143),
        ("port", "143"),
        ("security", "starttls"),
        ("security", Mailbox.Security.NONE),
        ("username", "other@example.com"),
    ],
)
def test_the_model_clears_the_password_when_the_server_changes(stored_mailbox, field, value):
    setattr(stored_mailbox, field, value)
    stored_mailbox.save()
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == ""

    stored_mailbox.password = SECRET  # a save that moves nothing writes it as usual
    stored_mailbox.save()
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == SECRET


@pytest.mark.parametrize("field", ["host", "port", "security", "username"])
def test_the_model_clears_it_in_partial_saves_too(stored_mailbox, field):
    value = {"host": "mail.elsewhere.example", "port": 143, "security": "none",
             "username": "x@example.com"}[field]  # fmt: skip
    setattr(stored_mailbox, field, value)
    stored_mailbox.save(update_fields=[field])
    stored_mailbox.refresh_from_db()
    assert getattr(stored_mailbox, field) == value and stored_mailbox.password == ""


def test_the_model_clears_it_for_an_instance_not_loaded_from_the_database(stored_mailbox):
    Mailbox(pk=stored_mailbox.pk, host="mail.elsewhere.example").save(update_fields=["host"])
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.host == "mail.elsewhere.example" and stored_mailbox.password == ""


def test_the_model_keeps_the_password_when_nothing_moves(stored_mailbox):
    stored_mailbox.name = "Renamed"
    stored_mailbox.folder = "Elsewhere"
    stored_mailbox.active = False
    stored_mailbox.save()
    stored_mailbox.host = "imap.example.com"  # the same values again
    stored_mailbox.port = "993"
    stored_mailbox.save()
    stored_mailbox.save(update_fields=["name"])
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == SECRET


def test_only_a_password_given_with_the_change_survives_it(stored_mailbox):
    stored_mailbox.host = "mail.elsewhere.example"
    stored_mailbox.password = SECRET  # the loaded value: not given for the new server
    stored_mailbox.save()
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == ""

    stored_mailbox.host = "imap.example.com"
    stored_mailbox.set_password("for-the-new-one")
    stored_mailbox.save()
    stored_mailbox.refresh_from_db()
    assert (stored_mailbox.host, stored_mailbox.password) == ("imap.example.com", "for-the-new-one")

    stored_mailbox.set_password("again")
    stored_mailbox.save()  # the flag lasts one save
    stored_mailbox.username = "other@example.com"
    stored_mailbox.save()
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == ""

    # given, but not written by a partial save that moves the login: cleared
    stored_mailbox.username = "third@example.com"
    stored_mailbox.set_password("new")
    stored_mailbox.save(update_fields=["username"])
    stored_mailbox.refresh_from_db()
    assert stored_mailbox.password == ""
