"""Inbound mail: the IMAP mailbox of each ticket type, the import ledger that makes the
import idempotent, the quarantine of messages that could not be imported, and the
per-address records that limit automatic mail."""

from __future__ import annotations

from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from ..mail.encryption import EncryptedTextField
from .config import TicketType
from .tickets import Message, Ticket


class OAuthApplication(models.Model):
    """An OAuth2 app registration (Microsoft Entra, Google Cloud or another provider),
    entered once by an administrator; mailboxes sign in through it.

    The client secret is encrypted at rest and belongs to one token URL: when ``save()``
    writes a change of the provider, tenant or token URL without a secret given with
    ``set_client_secret()``, it clears the stored one (it would otherwise be sent to
    wherever an administrator points the token URL)."""

    CONNECTION_FIELDS = ("provider", "tenant", "token_url")

    class Provider(models.TextChoices):
        MICROSOFT = "microsoft", _("Microsoft 365")
        GOOGLE = "google", _("Google")
        GENERIC = "generic", _("Other OAuth2 provider")

    name = models.CharField(_("name"), max_length=100, unique=True)
    provider = models.CharField(
        _("provider"), max_length=10, choices=Provider.choices, default=Provider.MICROSOFT
    )
    client_id = models.CharField(_("client ID"), max_length=255)
    client_secret = EncryptedTextField(_("client secret"), blank=True)
    tenant = models.CharField(
        _("tenant"),
        max_length=100,
        blank=True,
        default="organizations",
        help_text=_(
            "Microsoft 365: the directory (tenant) ID or domain of your organisation, or "
            "“organizations” for any work account."
        ),
    )
    authorize_url = models.URLField(_("authorization URL"), max_length=500, blank=True)
    token_url = models.URLField(_("token URL"), max_length=500, blank=True)
    scopes = models.CharField(
        _("scopes"),
        max_length=500,
        blank=True,
        help_text=_("Separated by spaces. Leave empty for the provider's mail scopes."),
    )

    _secret_given = False

    class Meta:
        verbose_name = _("sign-in app")
        verbose_name_plural = _("sign-in apps")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Save; a client secret stays with the token URL it was given for."""
        if self.pk is not None:
            stored = (
                OAuthApplication.objects.filter(pk=self.pk).values(*self.CONNECTION_FIELDS).first()
            )
            moved = stored is not None and any(
                str(getattr(self, name)) != str(stored[name]) for name in self.CONNECTION_FIELDS
            )
            if moved and not (self._secret_given and self.client_secret):
                self.client_secret = ""
        super().save(*args, **kwargs)
        self._secret_given = False

    def set_client_secret(self, secret: str) -> None:
        """Give the client secret for the token URL this app has now."""
        self.client_secret = secret
        self._secret_given = True


class SignInState(models.Model):
    """One sign-in an administrator started: the ``state`` sent to the provider (stored as
    its hash), the PKCE verifier, the mailbox and the administrator's session. Used once,
    and only until ``expires_at``."""

    state_hash = models.CharField(max_length=64, unique=True)
    mailbox = models.ForeignKey("Mailbox", on_delete=models.CASCADE, related_name="+")
    session_hash = models.CharField(max_length=64)
    user_id = models.CharField(max_length=255)
    code_verifier = EncryptedTextField()
    redirect_uri = models.CharField(max_length=500)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("sign-in in progress")
        verbose_name_plural = _("sign-ins in progress")

    def __str__(self) -> str:
        return f"{self.mailbox_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Mailbox(models.Model):
    """An IMAP folder whose mail becomes tickets of one type. Every message is removed from
    the server once its ticket change is committed.

    The password belongs to one server and login: when ``save()`` writes a change of
    ``CONNECTION_FIELDS`` without a password given with ``set_password()``, it clears the
    stored password, so nobody who may edit a mailbox can point it at their own server and
    receive the secret there. (``QuerySet.update()`` skips this; the package never changes
    these fields that way.)
    """

    CONNECTION_FIELDS = (
        "host",
        "port",
        "security",
        "username",
        "auth_method",
        "oauth_application",
        "smtp_host",
        "smtp_port",
        "smtp_security",
    )
    # cleared with the password when the connection moves: the access token is sent to the
    # IMAP and SMTP servers, the refresh token belongs to the sign-in app
    TOKEN_FIELDS = ("oauth_access_token", "oauth_refresh_token", "oauth_expires_at")
    # written only by ``mail.oauth`` (single-column updates): a full save() of an instance
    # loaded earlier leaves them alone, or an admin's edit would bring back a refresh token
    # the provider has rotated away
    RUNTIME_FIELDS = (*TOKEN_FIELDS, "oauth_signed_in_at", "signin_needed")

    class AuthMethod(models.TextChoices):
        PASSWORD = "password", _("Password")
        OAUTH2 = "oauth2", _("Sign-in (OAuth2)")

    class SmtpSecurity(models.TextChoices):
        TLS = "tls", _("TLS (usually port 465)")
        STARTTLS = "starttls", _("STARTTLS (usually port 587)")
        NONE = "none", _("None (only for a server on the same machine)")

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (only for a server on the same machine)")

    class Receive(models.TextChoices):
        IMAP = "imap", _("IMAP: the site fetches the mail")
        WEBHOOK = "webhook", _("Provider webhook: the provider posts the mail (django-anymail)")

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
    receive = models.CharField(
        _("receives mail through"),
        max_length=10,
        choices=Receive.choices,
        default=Receive.IMAP,
        help_text=_(
            "With a provider webhook the user name is the address the provider receives "
            "mail for; the IMAP fields are not used."
        ),
    )
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255)
    auth_method = models.CharField(
        _("sign-in"), max_length=10, choices=AuthMethod.choices, default=AuthMethod.PASSWORD
    )
    password = EncryptedTextField(_("password"), blank=True)
    oauth_application = models.ForeignKey(
        OAuthApplication,
        verbose_name=_("sign-in app"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mailboxes",
    )
    oauth_access_token = EncryptedTextField(blank=True, editable=False)
    oauth_refresh_token = EncryptedTextField(blank=True, editable=False)
    oauth_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    oauth_signed_in_at = models.DateTimeField(_("signed in"), null=True, blank=True, editable=False)
    signin_needed = models.TextField(
        _("needs sign-in"),
        blank=True,
        editable=False,
        help_text=_("Why the provider refused the stored sign-in; empty when it works."),
    )
    send_mail = models.BooleanField(
        _("send the type's mail through this mailbox"),
        default=False,
        help_text=_(
            "Mail about tickets of this type leaves through this account's SMTP server "
            "(and lands in its Sent folder) instead of the site's mail setup."
        ),
    )
    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"),
        max_length=10,
        choices=SmtpSecurity.choices,
        default=SmtpSecurity.STARTTLS,
    )
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
                str(getattr(self, self._meta.get_field(name).attname)) != str(stored[name])
                for name in written
            )
            given = self._password_given and (update_fields is None or "password" in update_fields)
            if moved and not (given and self.password):
                self.password = ""
                if update_fields is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "password"}
            if stored is not None and update_fields is None:
                # a token refreshed meanwhile is not overwritten with the one loaded earlier
                kwargs["update_fields"] = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.name not in self.RUNTIME_FIELDS
                ]
            if moved:
                self.oauth_access_token = self.oauth_refresh_token = ""
                self.oauth_expires_at = None
                self.signin_needed = ""
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {
                        *kwargs["update_fields"],
                        *self.TOKEN_FIELDS,
                        "signin_needed",
                    }
            super().save(*args, **kwargs)
        self._password_given = False

    def set_password(self, password: str) -> None:
        """Give the password for the server and login this mailbox has now: the next
        ``save()`` keeps it even when that save changes them. A plain assignment to
        ``password`` does not count there, as the stored password was loaded that way."""
        self.password = password
        self._password_given = True

    @property
    def uses_oauth(self) -> bool:
        return self.auth_method == self.AuthMethod.OAUTH2

    @property
    def has_credentials(self) -> bool:
        """Whether the mailbox has what it needs to log in (a password, or a sign-in that
        the provider has not refused)."""
        if self.uses_oauth:
            return bool(
                self.oauth_application_id and self.oauth_refresh_token and not self.signin_needed
            )
        return bool(self.password)

    @property
    def address_label(self) -> str:
        """Where the mailbox is, without the password (safe for logs and screens)."""
        if self.receive == self.Receive.WEBHOOK:
            return self.username  # the address the provider posts mail for
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
