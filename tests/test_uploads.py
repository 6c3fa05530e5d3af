"""Upload limits before the body is read, on every view that accepts files: the customer
area (new ticket, reply), the external page (new ticket, reply) and the agent workspace
(reply, new ticket).

What is measured: how much of the body the server read (a body made as it is read, so
hundreds of megabytes cost nothing), and how much reached Django's temporary-file upload
handler, the one that writes to disk (every upload goes there in these tests). Each refused
request must leave no ticket, message, attachment or stored file behind.
"""

from __future__ import annotations

import asyncio
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler, load_handler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from tests.external.conftest import signed
from tests.factories import (
    TicketTypeFactory,
    external_page,
    make_agent,
    make_customer,
    make_ticket,
)
from wagtail_tickets import uploads
from wagtail_tickets.external import token as tokens
from wagtail_tickets.models import Attachment, Message, Ticket

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
KEPT_TEXT = "Keep this text"
TOO_LARGE = "What you sent is too large"


# A body made as it is read ----------------------------------------------------------------


@dataclass
class Upload:
    name: str
    size: int
    field: str = "attachments"
    headers: str = ""


class MultipartBody:
    """A ``multipart/form-data`` body produced while it is read (file content is filler
    made on demand); ``read_bytes`` is how much of it the server read."""

    def __init__(self, fields: dict, files: list[Upload]) -> None:
        self.parts: list[bytes | int] = []
        for name, value in fields.items():
            self.parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for upload in files:
            self.parts.append(
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; name="
                f'"{upload.field}"; filename="{upload.name}"\r\n'
                f"Content-Type: application/octet-stream\r\n{upload.headers}\r\n".encode()
            )
            self.parts.append(upload.size)
            self.parts.append(b"\r\n")
        self.parts.append(f"--{BOUNDARY}--\r\n".encode())
        self.length = sum(p if isinstance(p, int) else len(p) for p in self.parts)
        self.read_bytes = 0
        self._index = 0
        self._offset = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.length - self.read_bytes
        out = []
        while size and self._index < len(self.parts):
            part = self.parts[self._index]
            available = (part if isinstance(part, int) else len(part)) - self._offset
            take = min(available, size)
            if isinstance(part, int):
                out.append(b"x" * take)
            else:
                out.append(part[self._offset : self._offset + take])
            size -= take
            self._offset += take
            if self._offset == (part if isinstance(part, int) else len(part)):
                self._index += 1
                self._offset = 0
        data = b"".join(out)
        self.read_bytes += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:  # not used by the parser
        return self.read(size)


def post_stream(client: Client, url: str, body: MultipartBody, declared: int | None = None):
    """POST ``body`` through the test client's WSGI handler with a chosen Content-Length."""
    return client.generic(
        "POST",
        url,
        **{
            "wsgi.input": body,
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(body.length if declared is None else declared),
        },
    )


@contextmanager
def outside_the_test_client():
    """A bare WSGI or ASGI handler closes "old" database connections around requests,
    which would end the test's transaction; the test client switches that off the same
    way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def wsgi_post(path: str, body: MultipartBody, declared: int) -> tuple[int, str]:
    """A POST straight into Django's WSGI handler, as a WSGI server makes it."""
    from django.core.handlers.wsgi import WSGIHandler

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.20",
        "CONTENT_TYPE": MULTIPART_CONTENT,
        "CONTENT_LENGTH": str(declared),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    statuses = []
    with outside_the_test_client():
        chunks = WSGIHandler()(
            environ, lambda status, headers, exc_info=None: statuses.append(status)
        )
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    return int(statuses[0].split()[0]), content.decode()


def asgi_post(path: str, body: MultipartBody, declared: int) -> tuple[int, str]:
    """A POST through Django's ASGI handler: the whole body arrives whatever its declared
    Content-Length (Django buffers it before the view; a server that does not check the
    header passes everything)."""
    from asgiref.sync import async_to_sync
    from django.core.handlers.asgi import ASGIHandler

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", MULTIPART_CONTENT.encode()),
            (b"content-length", str(declared).encode()),
        ],
        "client": ("198.51.100.30", 40000),
        "server": ("testserver", 80),
    }
    sent: list[dict] = []
    finished = False

    async def receive() -> dict:
        nonlocal finished
        if finished:
            await asyncio.Event().wait()  # no disconnect until the response is done
        chunk = body.read(64 * 1024)
        finished = body.read_bytes >= body.length
        return {"type": "http.request", "body": chunk, "more_body": not finished}

    async def send(message: dict) -> None:
        sent.append(message)

    with outside_the_test_client():
        async_to_sync(ASGIHandler())(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, content.decode()


# What reached the disk ---------------------------------------------------------------------


@dataclass
class Written:
    """What Django's temporary-file upload handler received (and so wrote to disk)."""

    files: int = 0
    bytes: int = 0
    names: list[str] = field(default_factory=list)


@pytest.fixture
def written(settings, monkeypatch, tmp_path) -> Written:
    """Every upload goes to a temporary file (nothing kept in memory), and what the
    temporary-file handler receives is counted."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir()
    seen = Written()
    new_file = TemporaryFileUploadHandler.new_file
    receive = TemporaryFileUploadHandler.receive_data_chunk

    def counting_new_file(self, field_name, file_name, *args, **kwargs):
        seen.files += 1
        seen.names.append(file_name)
        return new_file(self, field_name, file_name, *args, **kwargs)

    def counting_receive(self, raw_data, start):
        seen.bytes += len(raw_data)
        return receive(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", counting_new_file)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting_receive)
    return seen


@pytest.fixture
def small_limits(settings):
    """Two files of at most 1000 bytes; text fields of at most 10,000 bytes."""
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_ATTACHMENTS": 2,
        "MAX_ATTACHMENT_SIZE": 1000,
    }
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000


def snapshot(settings) -> tuple:
    """Everything a request could have half-saved."""
    root = Path(settings.MEDIA_ROOT)
    stored = sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return Ticket.objects.count(), Message.objects.count(), Attachment.objects.count(), stored


# The views that take files -------------------------------------------------------------------


@dataclass
class Target:
    """One view that accepts files: who posts, where, and the text of a valid post."""

    name: str
    client: Client
    url: str
    fields: dict

    def post(self, files: list[tuple[str, bytes]] | None = None, **extra):
        data = dict(self.fields)
        if files:
            data["attachments"] = [SimpleUploadedFile(n, c, "text/plain") for n, c in files]
        return self.client.post(self.url, data, **extra)

    def body(self, files: list[Upload]) -> MultipartBody:
        return MultipartBody(self.fields, files)


TARGETS = [
    "customer_create",
    "customer_reply",
    "external_new",
    "external_reply",
    "agent_reply",
    "agent_new",
]
CUSTOMER_TARGETS = ["customer_create", "customer_reply", "agent_reply", "agent_new"]
EXTERNAL_TARGETS = ["external_new", "external_reply"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    support = TicketTypeFactory(name="Support")
    customer = make_customer(support, username="carla", email="carla@example.org")
    agent = make_agent(support, username="anna", email="anna@example.org")
    external_page(offered=[support])
    ticket = make_ticket(customer, support, subject="Printer on fire")
    visitor_ticket = make_ticket(
        None, support, requester_name="Vera Visitor", requester_email="vera@example.org"
    )
    return {
        "support": support,
        "customer": customer,
        "agent": agent,
        "ticket": ticket,
        "visitor_ticket": visitor_ticket,
        "token": tokens.issue_token(visitor_ticket),
    }


def make_target(name: str, world: dict, client_class=Client, **client_options) -> Target:
    support, ticket = world["support"], world["ticket"]
    body = f"<p>{KEPT_TEXT}</p>"
    client = client_class(**client_options)
    if name.startswith("customer"):
        client.force_login(world["customer"])
    elif name.startswith("agent"):
        client.force_login(world["agent"])
    if name == "customer_create":
        fields = {"type": support.pk, "subject": "Uploads", "cc": "", "body": body}
        return Target(name, client, reverse("wagtail_tickets:create"), fields)
    if name == "customer_reply":
        url = reverse("wagtail_tickets:reply", args=[ticket.number])
        return Target(name, client, url, {"body": body})
    if name == "external_new":
        fields = {
            "name": "Vera Visitor",
            "email": "vera@example.org",
            "type": support.pk,
            "subject": "Uploads",
            "body": body,
            "form_token": signed(),
            "website": "",
        }
        return Target(name, client, reverse("wagtail_tickets:external"), fields)
    if name == "external_reply":
        fields = {
            "action": "reply",
            "body": body,
            "form_token": signed(f"ticket:{world['visitor_ticket'].pk}"),
            "website": "",
        }
        url = reverse("wagtail_tickets:external_ticket", args=[world["token"]])
        return Target(name, client, url, fields)
    if name == "agent_reply":
        url = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
        return Target(name, client, url, {"body": body})
    if name == "agent_new":
        fields = {
            "ticket_type": support.pk,
            "requester": world["customer"].pk,
            "subject": "Uploads",
            "body": body,
        }
        return Target(name, client, reverse("wagtail_tickets_inbox:add"), fields)
    raise AssertionError(name)


@pytest.fixture(params=TARGETS)
def target(request, world) -> Target:
    return make_target(request.param, world)


# The limit ------------------------------------------------------------------------------------


def test_the_body_limit_is_the_files_plus_room_for_the_text(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_ATTACHMENTS": 3,
        "MAX_ATTACHMENT_SIZE": 5 * MB,
    }
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1 * MB
    headers = 3 * uploads.PART_OVERHEAD + uploads.FORM_OVERHEAD
    assert uploads.files_limit() == 15 * MB
    assert uploads.request_body_limit() == 15 * MB + 1 * MB + headers
    # a site without Django's cap on text gets room for the longest message in UTF-8
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_BODY_LENGTH": 1000,
        "MAX_SUBJECT_LENGTH": 100,
    }
    assert uploads.request_body_limit() == 15 * MB + 4 * 1100 + headers


def test_the_default_limit_refuses_the_reported_body():
    """The report's 300 MB body against the defaults (ten files of 10 MiB)."""
    assert 100 * MB < uploads.request_body_limit() < 110 * MB


@pytest.mark.parametrize("value", ["", "abc", "-5", "1e9", None, " 12x"])
def test_a_garbled_content_length_counts_as_none(rf, value):
    request = rf.post("/", {})
    request.META["CONTENT_LENGTH"] = value
    assert uploads.declared_length(request) == 0


# Within the limits everything works -----------------------------------------------------------


def test_a_valid_upload_is_accepted(target, world, settings, written):
    response = target.post([("log.txt", b"all good")])
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Attachment.objects.filter(filename="log.txt").count() == 1
    assert written.files == 1 and written.bytes == len(b"all good")


def test_files_at_the_limits_are_accepted(target, world, settings, small_limits, written):
    body = target.body([Upload("a.txt", 1000), Upload("b.txt", 1000)])
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert sorted(Attachment.objects.values_list("size", flat=True)) == [1000, 1000]


# Refused by Content-Length, unread ------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_refused_unread(target, world, settings, written):
    """The report: a 300 MB POST. Nothing of it is read, nothing reaches the disk, and the
    page says why (413)."""
    before = snapshot(settings)
    body = target.body([Upload("huge.bin", 300 * MB)])
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    assert "10.0\xa0MB" in response.content.decode()
    assert body.read_bytes == 0
    assert written.files == 0 and written.bytes == 0
    assert snapshot(settings) == before


def test_a_declared_body_over_the_limit_of_many_small_files_is_refused_unread(
    target, world, settings, small_limits, written
):
    """Each file under the size limit, together over the body limit."""
    before = snapshot(settings)
    body = target.body([Upload(f"{n}.txt", 900) for n in range(100)])
    assert body.length > uploads.request_body_limit()
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 413
    assert TOO_LARGE in response.content.decode()
    assert body.read_bytes == 0 and written.bytes == 0
    assert snapshot(settings) == before


def test_a_bare_wsgi_request_over_the_limit_is_refused_unread(world, settings, written):
    """The same through Django's WSGI handler itself, as a WSGI server calls it."""
    before = snapshot(settings)
    target = make_target("external_new", world)
    body = target.body([Upload("huge.bin", 300 * MB)])
    status, content = wsgi_post(target.url, body, body.length)
    assert status == 413 and TOO_LARGE in content
    assert body.read_bytes == 0 and written.bytes == 0
    assert snapshot(settings) == before


# Read, but cut at the limits ------------------------------------------------------------------


def test_one_huge_file_is_cut_at_the_size_limit(target, world, settings, small_limits, written):
    """A file over MAX_ATTACHMENT_SIZE in a body within the limit: at most the limit reaches
    the disk, the form says it is too large and keeps the text."""
    before = snapshot(settings)
    body = target.body([Upload("small.txt", 10), Upload("huge.bin", 70_000)])
    assert body.length < uploads.request_body_limit()
    response = post_stream(target.client, target.url, body)
    html = response.content.decode()
    assert response.status_code == 200
    assert "“huge.bin” is larger than 1000" in html
    assert KEPT_TEXT in html
    assert written.bytes <= 10 + 1000
    assert not list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir())  # the cut file is gone
    assert snapshot(settings) == before


def test_a_file_declaring_its_own_size_over_the_limit_is_never_written(
    target, world, settings, small_limits, written
):
    body = target.body([Upload("declared.bin", 5000, headers="Content-Length: 5000\r\n")])
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 200
    assert "“declared.bin” is larger than 1000" in response.content.decode()
    assert written.bytes == 0
    assert Attachment.objects.count() == 0


def test_files_over_the_count_are_never_written(target, world, settings, small_limits, written):
    before = snapshot(settings)
    body = target.body([Upload(f"{n}.txt", 10) for n in range(6)])
    response = post_stream(target.client, target.url, body)
    html = response.content.decode()
    assert response.status_code == 200
    assert "You can attach at most 2 files." in html
    assert KEPT_TEXT in html
    assert written.files == 2 and written.names == ["0.txt", "1.txt"]
    assert snapshot(settings) == before


def test_files_under_other_field_names_count_too(world, settings, small_limits, written):
    """Files a form does not expect still take the request's file slots, and one standing
    in for an unread file is never taken for a real one."""
    before = snapshot(settings)
    target = make_target("customer_create", world)
    body = target.body(
        [Upload("junk1.txt", 10, field="junk"), Upload("junk2.txt", 10, field="junk")]
        + [Upload("real.txt", 10)]
    )
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 200
    assert "“real.txt” is larger than" in response.content.decode()
    assert written.files == 2
    assert snapshot(settings) == before


# Bodies that lie about their length --------------------------------------------------------


@pytest.mark.parametrize("name", EXTERNAL_TARGETS)
def test_a_body_longer_than_declared_is_read_only_as_declared(name, world, settings, written):
    """WSGI: Django reads no further than the declared length; the client cut its own
    upload short, and what it declared is all that is stored."""
    target = make_target(name, world)
    body = target.body([Upload("huge.bin", 300 * MB)])
    status, content = wsgi_post(target.url, body, 3000)
    assert status in (200, 302, 400)
    assert body.read_bytes <= 3000 and written.bytes <= 3000
    assert sum(Attachment.objects.values_list("size", flat=True)) < 3000


@pytest.mark.parametrize("name", EXTERNAL_TARGETS)
def test_asgi_body_longer_than_declared_one_huge_file(name, world, settings, small_limits, written):
    """ASGI: the whole body arrives whatever it declared; the upload handler still cuts
    the file at the size limit."""
    before = snapshot(settings)
    target = make_target(name, world)
    body = target.body([Upload("huge.bin", 5 * MB)])
    status, content = asgi_post(target.url, body, 2000)
    assert status == 200
    assert "“huge.bin” is larger than 1000" in content
    assert written.bytes <= 1000
    assert snapshot(settings) == before


@pytest.mark.parametrize("name", EXTERNAL_TARGETS)
def test_asgi_body_longer_than_declared_many_files(name, world, settings, small_limits, written):
    """ASGI: files each under the limit, together over it: the upload stops once the file
    content passes what two files can hold, and the request is refused."""
    before = snapshot(settings)
    target = make_target(name, world)
    body = target.body([Upload(f"{n}.txt", 900) for n in range(90)])
    status, content = asgi_post(target.url, body, 2000)
    assert status == 413
    assert TOO_LARGE in content
    assert written.files <= 2 and written.bytes <= 2000
    assert snapshot(settings) == before


@pytest.mark.parametrize("name", EXTERNAL_TARGETS)
def test_asgi_within_the_limits_works(name, world, settings, small_limits, written):
    target = make_target(name, world)
    body = target.body([Upload("ok.txt", 500)])
    status, content = asgi_post(target.url, body, body.length)
    assert status == 302, content[:3000]
    assert Attachment.objects.get(filename="ok.txt").size == 500


# The rate limit comes first ------------------------------------------------------------------


@pytest.mark.parametrize("name", EXTERNAL_TARGETS)
@pytest.mark.parametrize("size", [50_000, 300 * MB])
def test_a_rate_limited_visitor_is_refused_before_the_body_is_read(
    name, size, world, settings, written
):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "EXTERNAL_RATE_PER_ADDRESS": (1, 3600),
        "EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL": 0,
    }
    target = make_target(name, world)
    assert target.post().status_code == 302  # the one submission allowed
    before = snapshot(settings)
    body = target.body([Upload("file.bin", size)])
    response = post_stream(target.client, target.url, body)
    assert response.status_code == 429
    assert "Too many attempts from your network" in response.content.decode()
    assert body.read_bytes == 0 and written.bytes == 0
    assert snapshot(settings) == before


def test_a_foreign_origin_is_refused_before_the_body_is_read(world, settings, written):
    target = make_target("external_new", world)
    body = target.body([Upload("file.bin", 50_000)])
    response = target.client.generic(
        "POST",
        target.url,
        HTTP_ORIGIN="https://evil.example",
        **{
            "wsgi.input": body,
            "CONTENT_TYPE": MULTIPART_CONTENT,
            "CONTENT_LENGTH": str(body.length),
        },
    )
    assert response.status_code == 403
    assert body.read_bytes == 0 and written.bytes == 0


# Django's caps on the text fields ------------------------------------------------------------


def test_text_fields_over_djangos_memory_cap_are_a_clear_413(target, world, settings, written):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000
    before = snapshot(settings)
    target.fields["body"] = "<p>" + "x" * 6_000 + "</p>"
    response = target.post([("a.txt", b"data")])
    assert response.status_code == 413
    assert "The text you sent is too long." in response.content.decode()
    assert snapshot(settings) == before


@pytest.mark.parametrize("limit", ["DATA_UPLOAD_MAX_NUMBER_FIELDS", "DATA_UPLOAD_MAX_NUMBER_FILES"])
def test_djangos_field_and_file_counts_are_a_clear_400(target, world, settings, written, limit):
    setattr(settings, limit, 5)
    before = snapshot(settings)
    if limit == "DATA_UPLOAD_MAX_NUMBER_FIELDS":
        target.fields.update({f"junk{n}": "x" for n in range(10)})
        response = target.post()
    else:
        response = target.post([(f"{n}.txt", b"x") for n in range(6)])
    assert response.status_code == 400
    assert "The form could not be read." in response.content.decode()
    assert snapshot(settings) == before


# CSRF is still checked ------------------------------------------------------------------------


def csrf_token(client: Client, page: str) -> str:
    html = client.get(page).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


PAGES = {
    "customer_create": lambda w: reverse("wagtail_tickets:create"),
    "customer_reply": lambda w: reverse("wagtail_tickets:detail", args=[w["ticket"].number]),
    "agent_reply": lambda w: reverse("wagtail_tickets_inbox:edit", args=[w["ticket"].pk]),
    "agent_new": lambda w: reverse("wagtail_tickets_inbox:add"),
}


@pytest.mark.parametrize("name", CUSTOMER_TARGETS)
def test_a_post_without_csrf_token_is_refused(name, world, settings, written):
    target = make_target(name, world, enforce_csrf_checks=True)
    before = snapshot(settings)
    response = target.post([("a.txt", b"data")])
    assert response.status_code == 403
    assert snapshot(settings) == before
    target.fields["csrfmiddlewaretoken"] = "x" * 32  # a forged one
    assert target.post([("a.txt", b"data")]).status_code == 403
    assert snapshot(settings) == before


@pytest.mark.parametrize("name", CUSTOMER_TARGETS)
def test_a_post_with_the_pages_csrf_token_works(name, world, settings, written):
    target = make_target(name, world, enforce_csrf_checks=True)
    target.fields["csrfmiddlewaretoken"] = csrf_token(target.client, PAGES[name](world))
    response = target.post([("a.txt", b"data")])
    assert response.status_code == 302
    assert Attachment.objects.filter(filename="a.txt").count() == 1


@pytest.mark.parametrize("name", CUSTOMER_TARGETS)
def test_the_csrf_header_works_with_the_limits_in_place(name, world, settings, written):
    target = make_target(name, world, enforce_csrf_checks=True)
    token = csrf_token(target.client, PAGES[name](world))
    response = target.post([("a.txt", b"data")], HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 302


def test_the_views_that_take_files_check_csrf_themselves():
    """They are exempt from the middleware's check only so that the limits go in first."""
    from django.urls import resolve

    for url in ("/tickets/new/", "/tickets/260001/reply/"):
        assert getattr(resolve(url).func, "csrf_exempt", False)


# The handler on its own ----------------------------------------------------------------------


def parse(settings, body: bytes, handler_options: dict) -> tuple:
    """Django's multipart parser with the limit handler in front of the default ones."""
    handler = uploads.UploadLimitHandler(**handler_options)
    handlers = [handler] + [load_handler(path) for path in settings.FILE_UPLOAD_HANDLERS]
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    post, files = MultiPartParser(meta, BytesIO(body), handlers).parse()
    return handler, post, files


def test_the_handler_passes_files_within_the_limits(settings, written):
    body = encode_multipart(BOUNDARY, {"text": "hi", "f": [_file("a.txt", b"abc")]})
    handler, post, files = parse(
        settings, body, {"max_file_size": 10, "max_files": 2, "max_total": 20}
    )
    assert post["text"] == "hi"
    assert files["f"].read() == b"abc"
    assert handler.skipped == [] and not handler.stopped


def test_the_handler_refuses_and_stops(settings, written):
    files = [_file("big.txt", b"x" * 11), _file("ok.txt", b"y" * 10), _file("more.txt", b"z")]
    body = encode_multipart(BOUNDARY, {"f": files, "after": "kept"})
    handler, post, parsed = parse(
        settings, body, {"max_file_size": 10, "max_files": 2, "max_total": 100}
    )
    assert post["after"] == "kept"
    stored = [f for f in parsed.getlist("f") if not isinstance(f, uploads.RefusedUpload)]
    assert [f.name for f in stored] == ["ok.txt"]
    refused = [f for f in parsed.getlist("f") if isinstance(f, uploads.RefusedUpload)]
    assert [(f.name, f.size) for f in refused] == [("more.txt", None)]
    assert [(f.name, f.size > 10) for f in handler.skipped] == [("big.txt", True)]
    # over the total: the parser stops, nothing after that point is read
    body = encode_multipart(BOUNDARY, {"f": [_file("a", b"x" * 8), _file("b", b"x" * 8)]})
    handler, post, parsed = parse(
        settings, body, {"max_file_size": 10, "max_files": 5, "max_total": 12}
    )
    assert handler.stopped and handler.total <= 16


def _file(name: str, content: bytes):
    return SimpleUploadedFile(name, content, "text/plain")
