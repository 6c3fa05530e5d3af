"""Inbound mail: the IMAP mailbox of each ticket type, the import ledger that makes the
import idempotent, the quarantine of messages that could not be imported, and the
per-address records that limit automatic mail."""

from __future__ import annotations

from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from .config import TicketType
from .tickets import Message, Ticket


class Mailbox(models.Model):
    """An IMAP folder whose mail becomes tickets of one type. Every message is removed from
    the server once its ticket change is committed.

    The password belongs to one server and login: when ``save()`` writes a change of
    ``CONNECTION_FIELDS`` without a password given with ``set_password()``, it clears the
    stored password, so nobody who may edit a mailbox can point it at their own server and
    receive the secret there. (``QuerySet.update()`` skips this; the package never changes
    these fields that way.)
    """

    CONNECTION_FIELDS = ("host", "port", "security", "username")

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (only for a server on the same machine)")

    class ClosedTicketReply(models.TextChoices):
        REOPEN = "reopen", _("Reopen the ticket")
        NEW_TICKET = "new", _("Open a new ticket that refers to the closed one")

    name = models.CharField(_("name"), max_length=100, unique=True)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("ticket type"),
        on_delete=models.CASCADE,
        related_name="mailboxes",
        help_text=_("New tickets from this mailbox get this type."),
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    on_closed_reply = models.CharField(
        _("reply to a closed ticket"),
        max_length=10,
        choices=ClosedTicketReply.choices,
        default=ClosedTicketReply.REOPEN,
    )
    active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last import"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    lock_token = models.CharField(max_length=32, blank=True, editable=False)

    # set by set_password() until the next save
    _password_given = False

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save; a password stays with the server and login it was given for."""
        update_fields = kwargs.get("update_fields")
        written = [
            name
            for name in self.CONNECTION_FIELDS
            if update_fields is None or name in update_fields
        ]
        if self.pk is None or not written:
            super().save(*args, **kwargs)
            self._password_given = False
            return
        using = kwargs.get("using") or router.db_for_write(Mailbox, instance=self)
        with transaction.atomic(using=using):
            stored = (
                Mailbox.objects.using(using)
                .select_for_update()
                .filter(pk=self.pk)
                .values(*written)
                .first()
            )
            moved = stored is not None and any(
                str(getattr(self, name)) != str(stored[name]) for name in written
            )
            given = self._password_given and (update_fields is None or "password" in update_fields)
            if moved and not (given and self.password):
                self.password = ""
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "password"}
            super().save(*args, **kwargs)
        self._password_given = False

    def set_password(self, password: str) -> None:
        """Give the password for the server and login this mailbox has now: the next
        ``save()`` keeps it even when that save changes them. A plain assignment to
        ``password`` does not count there, as the stored password was loaded that way."""
        self.password = password
        self._password_given = True

    @property
    def address_label(self) -> str:
        """Where the mailbox is, without the password (safe for logs and screens)."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


class InboundMessage(models.Model):
    """One line of the import ledger per distinct inbound message.

    ``key`` identifies a message whatever copy of it arrives (see ``mail.importer``); its
    row is written in the same transaction as the ticket change, so a message is imported
    once however often it is fetched, and by however many workers.
    """

    class Outcome(models.TextChoices):
        OPENED = "opened", _("New ticket")
        REPLY = "reply", _("Reply")
        IGNORED = "ignored", _("Ignored")
        QUARANTINED = "quarantined", _("Quarantined")

    key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    content_hash = models.CharField(_("content hash"), max_length=64)
    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ledger",
    )
    uidvalidity = models.PositiveBigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    uid = models.PositiveBigIntegerField(_("UID"), null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ticket_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("imported"), auto_now_add=True)

    class Meta:
        verbose_name = _("imported email")
        verbose_name_plural = _("imported emails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["mailbox", "uidvalidity", "uid"], name="wt_inbound_uid")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.message_id or self.key}"


class QuarantinedMessage(models.Model):
    """A message that could not be imported, kept whole with the reason so an administrator
    can read it, download it and retry it; the rest of the mailbox goes on."""

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quarantine",
    )
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    uid = models.PositiveBigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=64, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    reason = models.TextField(_("reason"))
    raw = models.BinaryField(_("raw message"))
    size = models.PositiveBigIntegerField(_("size"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), auto_now=True)

    class Meta:
        verbose_name = _("quarantined email")
        verbose_name_plural = _("quarantined emails")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.subject or self.message_id or f"#{self.pk}"

    @property
    def short_reason(self) -> str:
        """The reason for the listing; the full text is on the inspect page."""
        return self.reason if len(self.reason) <= 120 else self.reason[:117] + "…"


class AutoMailRecord(models.Model):
    """One automatic mail sent to an address; counted to cap automatic mail per address
    and hour. Old records are pruned by the daily job."""

    address = models.CharField(max_length=254)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("automatic mail record")
        verbose_name_plural = _("automatic mail records")
        indexes = [models.Index(fields=["address", "sent_at"], name="wt_automail_addr_sent")]

    def __str__(self) -> str:
        return f"{self.address} {self.sent_at:%Y-%m-%d %H:%M}"
