"""Attachments on object storage: a real S3-compatible server (moto's server mode on
127.0.0.1) behind django-storages, as a separate ``STORAGES`` entry chosen with
``ATTACHMENT_STORAGE``.

Proves that files land in the bucket and not in the media folder, that every download is
still permission-checked (streamed, or a short-lived signed URL after the check), and that
deleting a ticket or erasing a person removes the objects.
"""

from __future__ import annotations

import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from tests.factories import TicketTypeFactory, make_agent, make_customer, make_ticket
from wagtail_tickets import actions
from wagtail_tickets.models import Attachment
from wagtail_tickets.privacy.erasure import request_erasure, run_erasure
from wagtail_tickets.privacy.export import request_export, run_export
from wagtail_tickets.privacy.person import Person

pytestmark = pytest.mark.django_db

CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A fresh private bucket as the attachment storage; the media storage stays local."""
    name = f"tickets-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "tickets": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "addressing_style": "path",
                "file_overwrite": False,
                "signature_version": "s3v4",
                **CREDENTIALS,
            },
        },
    }
    settings.WAGTAIL_TICKETS = {
        **getattr(settings, "WAGTAIL_TICKETS", {}),
        "ATTACHMENT_STORAGE": "tickets",
    }

    def keys() -> list[str]:
        listed = client.list_objects_v2(Bucket=name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    client.keys = keys
    client.name = name
    return client


@pytest.fixture
def world(db):
    hardware = TicketTypeFactory(name="Hardware")
    alice = make_customer(hardware, username="alice", email="alice@example.com")
    bob = make_customer(hardware, username="bob", email="bob@example.com")
    agent = make_agent(hardware, username="agent")
    return {"type": hardware, "alice": alice, "bob": bob, "agent": agent}


def _ticket_with_file(world, content=b"the printer log", name="log.txt", mime="text/plain"):
    ticket = make_ticket(
        world["alice"], world["type"], files=[SimpleUploadedFile(name, content, mime)]
    )
    return ticket, Attachment.objects.get(message__ticket=ticket)


def _download_url(ticket, attachment) -> str:
    return reverse(
        "wagtail_tickets:attachment", kwargs={"number": ticket.number, "pk": attachment.pk}
    )


def test_files_go_to_the_bucket_not_the_media_folder(bucket, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    ticket, attachment = _ticket_with_file(world)

    assert bucket.keys() == [attachment.file.name]
    assert attachment.file.name.startswith("wagtail_tickets/attachments/")
    assert "log.txt" not in attachment.file.name  # the original name never reaches S3
    assert list(tmp_path.iterdir()) == []
    body = bucket.get_object(Bucket=bucket.name, Key=attachment.file.name)["Body"].read()
    assert body == b"the printer log"


def test_streamed_download_is_permission_checked(bucket, world, client):
    ticket, attachment = _ticket_with_file(world, b"<script>alert(1)</script>", "x.html")
    url = _download_url(ticket, attachment)

    client.force_login(world["bob"])
    assert client.get(url).status_code == 404

    client.force_login(world["alice"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_signed_url_after_the_check(bucket, world, client, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "ATTACHMENT_SIGNED_URL_SECONDS": 30}
    ticket, attachment = _ticket_with_file(world, b"<svg onload=alert(1)>", "pic.svg")
    url = _download_url(ticket, attachment)

    client.force_login(world["bob"])
    assert client.get(url).status_code == 404  # no URL handed out without the check

    client.force_login(world["alice"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == ["30"]
    with urllib.request.urlopen(signed, timeout=10) as fetched:  # noqa: S310 (local server)
        assert fetched.read() == b"<svg onload=alert(1)>"
        assert fetched.headers["Content-Type"] == "application/octet-stream"
        assert fetched.headers["Content-Disposition"].startswith("attachment;")
        assert "pic.svg" in fetched.headers["Content-Disposition"]
    # the bare object URL without a signature is refused by the private bucket's server
    unsigned = signed.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(unsigned + "?X-Amz-Expires=30", timeout=10)  # noqa: S310


def test_agent_download_from_the_workspace(bucket, world, client):
    ticket, attachment = _ticket_with_file(world)
    client.force_login(world["agent"])
    response = client.get(reverse("wagtail_tickets_inbox:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"the printer log"


def test_deleting_a_ticket_removes_its_objects(bucket, world, django_capture_on_commit_callbacks):
    ticket, attachment = _ticket_with_file(world)
    other, _ = _ticket_with_file(world, b"keep me", "keep.txt")
    assert len(bucket.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_ticket(ticket, actor=world["agent"])

    assert bucket.keys() == [Attachment.objects.get(message__ticket=other).file.name]


def test_erasure_removes_objects_and_export_archives_stay_private(
    bucket, world, django_capture_on_commit_callbacks
):
    _ticket_with_file(world)
    person = Person.for_user(world["alice"])

    export = request_export(person, requested_by=world["agent"])
    run_export(export.pk)
    export.refresh_from_db()
    assert export.archive.name in bucket.keys()  # the archive is in the private bucket

    erasure = request_erasure(person, "delete", requested_by=world["agent"])
    with django_capture_on_commit_callbacks(execute=True):
        run_erasure(erasure.pk)

    assert not Attachment.objects.exists()
    assert [key for key in bucket.keys() if "attachments" in key] == []


def test_checks_name_a_missing_storage_and_an_unsigned_one(settings):
    settings.WAGTAIL_TICKETS = {"ATTACHMENT_STORAGE": "nowhere"}
    assert "wagtail_tickets.E006" in {message.id for message in run_checks()}

    settings.WAGTAIL_TICKETS = {"ATTACHMENT_SIGNED_URL_SECONDS": 60}
    ids = {message.id for message in run_checks()}
    assert "wagtail_tickets.W003" in ids and "wagtail_tickets.E006" not in ids
