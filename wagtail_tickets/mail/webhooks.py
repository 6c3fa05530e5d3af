"""Mail in through a provider's inbound webhook (django-anymail).

anymail checks the provider's signature and turns the posted payload into a message; its
``inbound`` signal hands the message to ``receive_inbound``, which imports it exactly like
a message fetched over IMAP (``importer.import_raw``: ledger, quarantine, classification,
threading, the sender's permissions). The provider gets its answer after the ticket change
is committed, so a failure answers 500 and the provider delivers again; the ledger makes
the second delivery change nothing.

Which mailbox: the first active webhook mailbox whose address (its user name) is the
envelope recipient, else one of the To or Cc addresses. Mail for no such address is imported
without a mailbox: a reply that threads joins its ticket, anything that would open a ticket
goes to the quarantine with its reason, where an administrator can download it.

``guarded`` wraps anymail's views (``wagtail_tickets.anymail_urls``) so a site gets clear
answers: 403 for a bad signature or secret, 413 for a body over the limit, 400 for a
payload that cannot be read, never a 500 for what the caller sent.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import app_settings
from ..models import Mailbox
from . import importer

logger = logging.getLogger("wagtail_tickets.mail")


class AnymailUnavailable(RuntimeError):
    """django-anymail is not installed."""


def missing_message() -> str:
    return _(
        "Receiving mail through provider webhooks needs the “anymail” extra: "
        "pip install wagtail-tickets[anymail], then add “anymail” to INSTALLED_APPS."
    )


def require_anymail() -> None:
    """Raise ``AnymailUnavailable`` with what to install when django-anymail is missing."""
    try:
        import anymail  # noqa: F401
    except ImportError:
        raise AnymailUnavailable(missing_message()) from None


def connect() -> bool:
    """Connect the receiver to anymail's ``inbound`` signal (when anymail is installed)."""
    try:
        from anymail.signals import inbound
    except ImportError:
        return False
    inbound.connect(receive_inbound, dispatch_uid="wagtail_tickets.mail.webhooks")
    return True


class ImportFailed(Exception):
    """The import itself failed (a database outage, a bug): the provider must deliver
    again, so the webhook answers 500. Anything else that goes wrong is the payload's."""


# ----------------------------------------------------------------------------- the receiver


def receive_inbound(sender, event, esp_name: str = "", **kwargs) -> None:
    """Import one message posted by a provider (anymail's ``inbound`` signal)."""
    message = getattr(event, "message", None)
    if message is None:
        return
    raw = message_bytes(message)
    mailbox = mailbox_for(recipients(message))
    try:
        outcome = importer.import_raw(raw, mailbox, run=importer.ImportRun(mailbox))
        if mailbox is not None:
            Mailbox.objects.filter(pk=mailbox.pk).update(last_run_at=timezone.now(), last_error="")
    except Exception as exc:
        logger.exception("Importing a message posted by %s failed", esp_name or "a provider")
        raise ImportFailed(str(exc)) from exc
    logger.info(
        "%s webhook: message for %s: %s",
        esp_name or "Provider",
        mailbox.name if mailbox else _("no mailbox"),
        outcome,
    )


def message_bytes(message) -> bytes:
    """The message as the bytes IMAP would have given: the provider's raw MIME where it
    sent one (anymail parsed it), else the message anymail built from its fields. A part
    built without a boundary gets one made from its content rather than a random one, so
    every delivery of the same payload gives the same bytes, and the same ledger key."""
    _fixed_boundaries(message)
    try:
        return message.as_bytes()
    except Exception:  # a header the modern policy cannot fold: write it as it came
        return message.as_bytes(policy=email.policy.compat32)


def _fixed_boundaries(message) -> None:
    for number, part in enumerate(message.walk()):
        if part.is_multipart() and part.get_boundary() is None:
            leaves = [
                str(leaf.get_payload()).encode("utf-8", "replace")
                for leaf in part.walk()
                if not leaf.is_multipart()
            ]
            digest = hashlib.sha256(b"\0".join(leaves)).hexdigest()[:32]
            part.set_boundary(f"=_wt{number}_{digest}")


def recipients(message) -> list[str]:
    """Where the message was delivered, most telling first: the envelope recipient, then
    the To and Cc addresses. Lower case, without duplicates."""
    found: list[str] = []
    envelope = getattr(message, "envelope_recipient", None)
    if isinstance(envelope, str):
        found.append(envelope)
    for field in ("to", "cc"):
        try:
            found.extend(address.addr_spec for address in getattr(message, field))
        except Exception:  # an address header that does not parse tells us nothing
            continue
    seen: list[str] = []
    for address in found:
        address = address.strip().strip("<>").lower()
        if address and "@" in address and address not in seen:
            seen.append(address)
    return seen


def mailbox_for(addresses: list[str]) -> Mailbox | None:
    """The active webhook mailbox of the first address that has one (one query)."""
    if not addresses:
        return None
    mailboxes = {
        mailbox.username.strip().lower(): mailbox
        for mailbox in Mailbox.objects.filter(
            receive=Mailbox.Receive.WEBHOOK, active=True
        ).select_related("ticket_type")
    }
    for address in addresses:
        if address in mailboxes:
            return mailboxes[address]
    return None


# ----------------------------------------------------------------------------- the view guard


def request_limit() -> int:
    """The largest request body a webhook reads: twice the largest message, room for the
    base64 of JSON payloads and the provider's fields. A message between the two limits is
    kept whole in the quarantine, as from IMAP."""
    return 2 * app_settings.MAIL_MAX_MESSAGE_SIZE + 1024 * 1024


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")


def guarded(view: Callable) -> Callable:
    """anymail's webhook view with clear answers for what the caller sent (see the module
    docstring); outside the site's request transaction, as the import commits on its own.
    Only an inbound view answers 400 for any other error: in a tracking view it may come
    from the site's own receiver, and the provider should deliver the event again."""
    from anymail.exceptions import AnymailWebhookValidationFailure
    from anymail.signals import inbound

    is_inbound = getattr(getattr(view, "view_class", None), "signal", None) is inbound

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _answer(400, _("The Content-Length header is not a number."))
        if length > request_limit():
            logger.warning("Refused a webhook post of %d bytes at %s", length, request.path)
            return _answer(413, _("The request is larger than this site accepts."))
        try:
            return view(request, *args, **kwargs)
        except ImportFailed:
            raise
        except AnymailWebhookValidationFailure as exc:
            logger.warning("Refused a webhook post at %s: %s", request.path, exc)
            return _answer(
                403, _("The signature or webhook secret is missing or wrong; nothing was kept.")
            )
        except RequestDataTooBig:
            logger.warning(
                "Refused a webhook post at %s: larger than DATA_UPLOAD_MAX_MEMORY_SIZE",
                request.path,
            )
            return _answer(413, _("The request is larger than this site accepts."))
        except SuspiciousOperation as exc:
            logger.warning("Refused a webhook post at %s: %s", request.path, exc)
            return _answer(400, _("The request could not be read."))
        except Exception as exc:  # anymail could not read the payload: the caller's fault
            if not is_inbound:
                raise
            logger.warning(
                "Refused a webhook post at %s: unreadable payload (%s: %s)",
                request.path,
                exc.__class__.__name__,
                exc,
            )
            return _answer(400, _("The payload could not be read; nothing was kept."))

    return transaction.non_atomic_requests(wrapper)
