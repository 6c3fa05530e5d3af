"""Mail in through providers' inbound webhooks (django-anymail): signed posts of Mailgun
(HMAC with the signing key) and Postmark (the basic-auth webhook secret), through the
test client to anymail's own URLs, import like IMAP mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import MailboxFactory, make_ticket
from tests.mail import corpus
from wagtail_tickets.mail import importer
from wagtail_tickets.models import InboundMessage, Mailbox, QuarantinedMessage, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.mail.webhook_urls")]

SIGNING_KEY = "key-mailgun-signing-test"
SECRET = "anymail-user:webhook-password"
ADDRESS = "help@tickets.example"


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY, "WEBHOOK_SECRET": SECRET}


@pytest.fixture
def hook_mailbox(db):
    return MailboxFactory(
        name="Webhook", receive=Mailbox.Receive.WEBHOOK, host="", username=ADDRESS, password=""
    )


def basic_auth(secret: str = SECRET) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


# ----------------------------------------------------------------------------- providers


def mailgun_post(client, raw: bytes, *, recipient=ADDRESS, key=SIGNING_KEY, path="anymail"):
    """Mailgun's route forward() in "raw MIME" form, signed like Mailgun signs it."""
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return client.post(
        reverse(f"{path}:mailgun_inbound_webhook", args=["_mime"]),
        {
            "recipient": recipient,
            "sender": "carla@customer.example",
            "body-mime": raw.decode("utf-8"),
            "timestamp": timestamp,
            "token": token,
            "signature": signature.hexdigest(),
        },
        **basic_auth(),
    )


def postmark_payload(raw: bytes, *, recipient=ADDRESS) -> dict:
    """Postmark's inbound JSON (its default form, without RawEmail) for a message."""
    message = message_from_bytes(raw, policy=policy.default)
    sender = message["From"].addresses[0]
    skip = {"from", "to", "subject", "date", "content-type", "content-transfer-encoding"}
    return {
        "FromFull": {"Email": sender.addr_spec, "Name": sender.display_name},
        "ToFull": [{"Email": a.addr_spec, "Name": a.display_name} for a in message["To"].addresses],
        "CcFull": [],
        "BccFull": [],
        "OriginalRecipient": recipient,
        "Subject": str(message["Subject"]),
        "Date": str(message["Date"]),
        "MessageID": str(uuid.uuid4()),
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{sender.addr_spec}>"},
            *({"Name": k, "Value": str(v)} for k, v in message.items() if k.lower() not in skip),
        ],
        "TextBody": message.get_body(("plain",)).get_content(),
        "HtmlBody": "",
        "Attachments": [],
    }


def postmark_post(client, payload, *, secret=SECRET, path="anymail"):
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(
        reverse(f"{path}:postmark_inbound_webhook"),
        body,
        content_type="application/json",
        **basic_auth(secret),
    )


def post_as(provider, client, raw, **kwargs):
    if provider == "mailgun":
        return mailgun_post(client, raw, **kwargs)
    payload = postmark_payload(raw, **kwargs)
    if provider == "postmark_raw":  # "Include raw email content in JSON payload"
        payload["RawEmail"] = raw.decode("utf-8")
    return postmark_post(client, payload)


PROVIDERS = ["mailgun", "postmark", "postmark_raw"]


# ----------------------------------------------------------------------------- importing


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_posted_message_opens_a_ticket_and_a_reply_joins_it(
    provider, client, hook_mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_as(provider, client, corpus.plain(to=ADDRESS, subject="Scanner jams"))
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert ticket.subject == "Scanner jams"
    assert ticket.ticket_type == hook_mailbox.ticket_type
    assert ticket.requester_email == "carla@customer.example"
    assert "the printer is on fire." in ticket.messages.get().body_text
    entry = InboundMessage.objects.get()
    assert entry.outcome == "opened" and entry.mailbox == hook_mailbox
    # the sender is told, as for IMAP mail
    assert len(mail.outbox) == 1 and "carla@customer.example" in mail.outbox[0].to[0]
    hook_mailbox.refresh_from_db()
    assert hook_mailbox.last_run_at is not None and hook_mailbox.last_error == ""

    reply_to = mail.outbox[0].message()["Message-ID"]
    reply = corpus.plain(to=ADDRESS, subject="Re: Scanner jams", in_reply_to=reply_to)
    response = post_as(provider, client, reply)
    assert response.status_code == 200
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 2
    assert InboundMessage.objects.filter(outcome="reply").get().reason == "threaded by token"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_same_message_twice_imports_once(provider, client, hook_mailbox):
    raw = corpus.plain(to=ADDRESS)
    assert post_as(provider, client, raw).status_code == 200
    # a provider that did not get our answer in time delivers again (with a new id)
    assert post_as(provider, client, raw).status_code == 200
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.count() == 1


def test_the_raw_message_through_two_providers_imports_once(client, hook_mailbox):
    raw = corpus.plain(to=ADDRESS)
    assert post_as("mailgun", client, raw).status_code == 200
    assert post_as("postmark_raw", client, raw).status_code == 200
    assert Ticket.objects.count() == 1


def test_a_message_built_from_fields_has_the_same_bytes_every_time(client, hook_mailbox):
    """Postmark without RawEmail, with an attachment: anymail builds a multipart message;
    its boundaries come from the content, so the ledger key is the same each time."""
    payload = postmark_payload(corpus.plain(to=ADDRESS))
    payload["HtmlBody"] = "<p>the printer is on fire.</p>"
    payload["Attachments"] = [
        {
            "Name": "photo.png",
            "ContentType": "image/png",
            "Content": base64.b64encode(corpus.PNG_1PX).decode(),
            "ContentLength": len(corpus.PNG_1PX),
        }
    ]
    assert postmark_post(client, payload).status_code == 200
    assert postmark_post(client, payload).status_code == 200
    assert Ticket.objects.count() == 1
    assert Ticket.objects.get().messages.get().attachments.count() == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_an_auto_reply_is_recorded_and_not_answered(
    provider, client, hook_mailbox, django_capture_on_commit_callbacks
):
    raw = corpus.plain(
        to=ADDRESS, subject="Out of office", extra_headers=("Auto-Submitted: auto-replied",)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post_as(provider, client, raw).status_code == 200
    assert not Ticket.objects.exists()
    assert InboundMessage.objects.get().outcome == "ignored"
    assert mail.outbox == []


def test_the_recipient_decides_the_mailbox(client, hook_mailbox):
    other = MailboxFactory(
        name="Sales hook",
        receive=Mailbox.Receive.WEBHOOK,
        host="",
        username="Sales@Tickets.example",
        password="",
    )
    # the envelope recipient (a Bcc, say) counts before the To header; case does not matter
    response = mailgun_post(client, corpus.plain(to=ADDRESS), recipient="sales@tickets.EXAMPLE")
    assert response.status_code == 200
    assert Ticket.objects.get().ticket_type == other.ticket_type


def test_mail_for_an_unknown_address_is_quarantined_but_a_reply_still_joins(client, hook_mailbox):
    elsewhere = "nobody@tickets.example"
    response = mailgun_post(client, corpus.plain(to=elsewhere), recipient=elsewhere)
    assert response.status_code == 200
    assert not Ticket.objects.exists()
    kept = QuarantinedMessage.objects.get()
    assert kept.mailbox is None and "No mailbox" in kept.reason
    assert b"the printer is on fire." in bytes(kept.raw)

    ticket = make_ticket(None, hook_mailbox.ticket_type, requester_email="carla@customer.example")
    from wagtail_tickets.notifications.tokens import make_message_id

    token = make_message_id(ticket.pk, ticket.messages.get().pk, "tickets.example")
    reply = corpus.plain(to=elsewhere, subject="Re: x", in_reply_to=token)
    assert mailgun_post(client, reply, recipient=elsewhere).status_code == 200
    assert ticket.messages.count() == 2


def test_an_inactive_webhook_mailbox_receives_nothing_new(client, hook_mailbox):
    Mailbox.objects.filter(pk=hook_mailbox.pk).update(active=False)
    assert mailgun_post(client, corpus.plain(to=ADDRESS)).status_code == 200
    assert not Ticket.objects.exists()
    assert QuarantinedMessage.objects.count() == 1


def test_a_webhook_mailbox_is_never_polled(hook_mailbox):
    assert importer.import_all() == []
    assert importer.import_all(hook_mailbox.pk) == []


def test_a_message_over_the_size_limit_is_kept_whole(client, hook_mailbox, settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 300}
    raw = corpus.plain(to=ADDRESS, body="long " * 200)
    assert mailgun_post(client, raw).status_code == 200
    kept = QuarantinedMessage.objects.get()
    assert "MessageTooLarge" in kept.reason and kept.size > 300
    assert not Ticket.objects.exists()


# ----------------------------------------------------------------------------- refused posts


def test_a_bad_mailgun_signature_is_refused_and_imports_nothing(client, hook_mailbox):
    response = mailgun_post(client, corpus.plain(to=ADDRESS), key="key-of-an-attacker")
    assert response.status_code == 403
    assert b"signature" in response.content
    assert not InboundMessage.objects.exists() and not QuarantinedMessage.objects.exists()


def test_a_wrong_postmark_secret_is_refused_and_imports_nothing(client, hook_mailbox):
    payload = postmark_payload(corpus.plain(to=ADDRESS))
    assert postmark_post(client, payload, secret="anymail-user:guess").status_code == 403
    response = client.post(
        reverse("anymail:postmark_inbound_webhook"), payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert not InboundMessage.objects.exists() and not Ticket.objects.exists()


def test_anymail_own_urls_refuse_a_bad_signature_with_400(client, hook_mailbox):
    """Without the app's guard, anymail answers its own 400; the mail is refused all the
    same, and a signed post imports through the same receiver."""
    raw = corpus.plain(to=ADDRESS)
    assert mailgun_post(client, raw, key="wrong", path="plain_anymail").status_code == 400
    assert not InboundMessage.objects.exists()
    assert mailgun_post(client, raw, path="plain_anymail").status_code == 200
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [b"not json at all", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"RecordType": "Bounce"}'],
)
def test_a_garbage_postmark_payload_is_a_clear_400(client, hook_mailbox, body):
    response = postmark_post(client, body)
    assert response.status_code == 400
    assert b"could not be read" in response.content
    assert not InboundMessage.objects.exists() and not QuarantinedMessage.objects.exists()


def test_an_empty_postmark_message_is_quarantined_not_an_error(client, hook_mailbox):
    assert postmark_post(client, b"{}").status_code == 200
    assert "sender" in QuarantinedMessage.objects.get().reason.lower()
    assert not Ticket.objects.exists()


def test_a_mailgun_post_without_a_message_is_a_clear_400(client, hook_mailbox):
    timestamp, token = "1700000000", "t" * 50
    signature = hmac.new(SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    response = client.post(
        reverse("anymail:mailgun_inbound_webhook", args=["_mime"]),
        {"timestamp": timestamp, "token": token, "signature": signature.hexdigest(), "x": "y"},
        **basic_auth(),
    )
    assert response.status_code in (200, 400)
    assert not Ticket.objects.exists()


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(
    client, hook_mailbox, settings
):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "MAIL_MAX_MESSAGE_SIZE": 1000}
    payload = postmark_payload(corpus.plain(to=ADDRESS, body="x" * (3 * 1024 * 1024)))
    response = postmark_post(client, payload)
    assert response.status_code == 413
    assert not InboundMessage.objects.exists()


def test_a_body_over_django_upload_limit_is_a_413(client, hook_mailbox, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    payload = postmark_payload(corpus.plain(to=ADDRESS, body="x" * 5000))
    assert postmark_post(client, payload).status_code == 413
    assert not InboundMessage.objects.exists()


def test_a_database_failure_answers_500_so_the_provider_delivers_again(
    client, hook_mailbox, monkeypatch
):
    def broken(*args, **kwargs):
        raise importer.IntegrityError("database went away")

    monkeypatch.setattr(importer, "import_raw", broken)
    client.raise_request_exception = False
    response = mailgun_post(client, corpus.plain(to=ADDRESS))
    assert response.status_code == 500


def test_a_tracking_webhook_keeps_anymail_s_own_answers(client):
    """Only inbound views turn unexpected errors into 400: in a tracking view they may
    come from the site's own receiver, and the provider should deliver again. A bad
    secret is refused with 403 there too."""
    client.raise_request_exception = False
    url = reverse("anymail:postmark_tracking_webhook")
    assert client.post(url, b"{}", content_type="application/json").status_code == 403
    response = client.post(url, b"not json", content_type="application/json", **basic_auth())
    assert response.status_code == 500
