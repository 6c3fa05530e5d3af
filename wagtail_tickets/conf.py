"""Every option of wagtail-tickets, with its default and what it does.

Nothing else in the package reads ``django.conf.settings`` for our options: code asks
``app_settings.OPTION``, and the functions here for the site's own settings it uses (its
languages, default sender, customer model). Hosts set options in one dictionary::

    WAGTAIL_TICKETS = {"PAGE_SIZE": 50, "MAX_ATTACHMENT_SIZE": 5 * 1024 * 1024}

and the customer model at the top level, like ``AUTH_USER_MODEL``::

    WAGTAIL_TICKETS_CUSTOMER_MODEL = "crm.Customer"
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import parseaddr
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def get_customer_model_string() -> str:
    """The ``app_label.Model`` of customer records (default: the user model)."""
    return getattr(settings, "WAGTAIL_TICKETS_CUSTOMER_MODEL", None) or settings.AUTH_USER_MODEL


def get_customer_model():
    from django.apps import apps

    try:
        return apps.get_model(get_customer_model_string(), require_ready=False)
    except (LookupError, ValueError) as exc:
        raise ImproperlyConfigured(
            "WAGTAIL_TICKETS_CUSTOMER_MODEL refers to model "
            f"'{get_customer_model_string()}' that has not been installed"
        ) from exc


def customer_model_is_user_model() -> bool:
    """Whether customer records are the users themselves (the default). Then each user is
    their own customer record; otherwise users are linked to records through
    ``CUSTOMER_USERS_FIELD``."""
    return get_customer_model_string().lower() == settings.AUTH_USER_MODEL.lower()


# The site's own Django settings that the package reads, each in one place.


def languages() -> list[tuple[str, str]]:
    """The site's ``LANGUAGES`` as ``(code, name)`` pairs: the languages a mail template, a
    customer's mail language and the mail options' template language may name."""
    return list(settings.LANGUAGES)


def language_codes() -> frozenset[str]:
    """The codes of ``languages()``: a stored language outside them is ignored."""
    return frozenset(code for code, _name in settings.LANGUAGES)


def default_language() -> str:
    """The site's ``LANGUAGE_CODE``: mail is written in it when neither the customer nor
    the mail options name one of ``languages()``."""
    return settings.LANGUAGE_CODE


class Sender(NamedTuple):
    name: str
    address: str


def default_sender() -> Sender:
    """The site's ``DEFAULT_FROM_EMAIL`` as ``(name, address)``: the From of ticket mail
    when neither the type nor the mail options name a sender, and one of the addresses
    whose inbound mail is recognised as our own."""
    name, address = parseaddr(getattr(settings, "DEFAULT_FROM_EMAIL", "") or "")
    return Sender(name, address)


def encryption_keys() -> tuple[str, ...]:
    """The keys of the secrets at rest, newest first: ``ENCRYPTION_KEYS``, or else the
    site's ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``."""
    keys = app_settings.ENCRYPTION_KEYS or tuple(
        str(key)
        for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
        if key
    )
    if not keys:
        raise ImproperlyConfigured("WAGTAIL_TICKETS['ENCRYPTION_KEYS'] holds no key.")
    return keys


class AppSettings:
    """Typed access to ``settings.WAGTAIL_TICKETS`` with documented defaults."""

    def _get(self, name: str, default: Any) -> Any:
        options = getattr(settings, "WAGTAIL_TICKETS", None)
        if not isinstance(options, Mapping):
            return default  # not a dictionary: the system check says so (E004)
        return options.get(name, default)

    @property
    def NUMBER_FORMAT(self) -> str:
        """Format of ticket numbers. ``{year}``, ``{month}`` and ``{seq}`` are available;
        the sequence restarts when the year (or month) in the format changes. The default
        gives short numbers such as ``260042`` that are easy to read out on the phone."""
        return self._get("NUMBER_FORMAT", "{year2}{seq:04d}")

    @property
    def PAGE_SIZE(self) -> int:
        """Tickets per page in the customer area."""
        return int(self._get("PAGE_SIZE", 25))

    @property
    def MAX_ATTACHMENT_SIZE(self) -> int:
        """Largest accepted file, in bytes (default 10 MiB)."""
        return int(self._get("MAX_ATTACHMENT_SIZE", 10 * 1024 * 1024))

    @property
    def MAX_ATTACHMENTS(self) -> int:
        """Most files accepted with one message."""
        return int(self._get("MAX_ATTACHMENTS", 10))

    @property
    def BLOCKED_ATTACHMENT_EXTENSIONS(self) -> tuple[str, ...]:
        """File extensions refused on upload (lower case, without the dot)."""
        return tuple(
            self._get(
                "BLOCKED_ATTACHMENT_EXTENSIONS",
                ("exe", "bat", "cmd", "com", "scr", "msi", "js", "vbs", "jar", "ps1"),
            )
        )

    @property
    def ATTACHMENT_UPLOAD_TO(self) -> str:
        """Storage folder of attachments; files get generated names below it."""
        return self._get("ATTACHMENT_UPLOAD_TO", "wagtail_tickets/attachments")

    @property
    def ATTACHMENT_STORAGE(self) -> str:
        """The entry of Django's ``STORAGES`` that holds attachments and personal-data
        archives (default ``"default"``). Give them a private storage of their own, for
        example an S3 bucket through django-storages, rather than the public media one."""
        return str(self._get("ATTACHMENT_STORAGE", "default"))

    @property
    def ATTACHMENT_SIGNED_URL_SECONDS(self) -> int:
        """``0`` (default): downloads are streamed through Django after the permission
        check. A number of seconds: after the check, the browser is sent to a signed URL of
        the storage valid that long (S3 and other storages whose ``url()`` signs), which
        saves the web process the transfer. The signed URL forces a download with the
        checked content type."""
        return max(0, int(self._get("ATTACHMENT_SIGNED_URL_SECONDS", 0)))

    @property
    def MAX_CC(self) -> int:
        """Most CC addresses on one ticket."""
        return int(self._get("MAX_CC", 10))

    @property
    def CC_NEW_ADDRESSES_RATE(self) -> tuple[int, int]:
        """``(count, seconds)``: most new CC addresses one person may put on the tickets
        they open in that time (an address counts once, whatever its case; ``0``: no
        limit). Every CC address gets mail about the ticket, so without a limit an account
        could have the site mail any number of strangers. Agents adding addresses in the
        admin are not limited. Counted in Django's cache, like the external page's limits."""
        count, seconds = self._get("CC_NEW_ADDRESSES_RATE", (20, 24 * 3600))
        return int(count), int(seconds)

    @property
    def MAX_SUBJECT_LENGTH(self) -> int:
        """Longest subject accepted (characters)."""
        return int(self._get("MAX_SUBJECT_LENGTH", 200))

    @property
    def MAX_BODY_LENGTH(self) -> int:
        """Longest message accepted, in characters of submitted HTML."""
        return int(self._get("MAX_BODY_LENGTH", 100_000))

    @property
    def MAX_HTML_DEPTH(self) -> int:
        """Deepest nesting of formatting accepted in a message (lists in lists, quotes in
        quotes, ...), counted in the elements the sanitiser keeps. A web form refuses a
        message nested deeper; inbound mail nested deeper is imported as plain text.
        Sanitising time grows with it; long quoted mail threads stay well below it."""
        return int(self._get("MAX_HTML_DEPTH", 100))

    @property
    def MAX_HTML_ELEMENTS(self) -> int:
        """Most formatting elements accepted in a message (paragraphs, links, bold
        words, ...; elements the parser adds by itself and character references such as
        ``&amp;`` count too). A web form refuses a message with more; inbound mail with
        more is imported as plain text. Sanitising time grows with it."""
        return int(self._get("MAX_HTML_ELEMENTS", 3_500))

    @property
    def CUSTOMER_USERS_FIELD(self) -> str | None:
        """Lookup on the customer model that links a record to its users, e.g. ``"users"``
        for a many-to-many field. Needed when ``WAGTAIL_TICKETS_CUSTOMER_MODEL`` is not the
        user model; users linked to the same record share company tickets."""
        return self._get("CUSTOMER_USERS_FIELD", None)

    @property
    def SANITIZER(self) -> str:
        """HTML sanitizer backend: ``"bleach"`` (default) or ``"nh3"``, with the same
        allowlist. nh3 is many times faster on long mail, but drops the text of elements
        named like SVG or MathML ones (``<mrow>``, ``<desc>``) with everything after an
        unclosed one; bleach keeps that text and turns bare URLs into links."""
        return self._get("SANITIZER", "bleach")

    @property
    def CUSTOMERS_MAY_CLOSE(self) -> bool:
        """Deprecated: whether customers may close their own tickets is "customers may
        close their tickets" in Settings → Ticket options, which administrators change at
        runtime. This key only gives that option its first value, on a site whose ticket
        options were never stored; a stored value always wins. ``manage.py check`` warns
        while the key is set (``wagtail_tickets.W002``)."""
        return bool(self._get("CUSTOMERS_MAY_CLOSE", True))

    @property
    def RATING_DAYS(self) -> int:
        """Days after a ticket closes during which its requester may rate it (good, okay or
        bad, with a comment) and change that rating; the links of the rating request mail
        expire with them. ``0``: tickets cannot be rated and no rating requests are sent."""
        return max(0, int(self._get("RATING_DAYS", 14)))

    @property
    def CUSTOMER_BASE_TEMPLATE(self) -> str:
        """The site template the customer-area pages extend. It must define a ``content``
        block; ``title``, ``extra_css`` and ``extra_js`` blocks are filled when present.
        The default is a minimal page of ours; set it to the site's own base template so the
        ticket pages appear inside the site's layout."""
        return self._get("CUSTOMER_BASE_TEMPLATE", "wagtail_tickets/customer/standalone.html")

    @property
    def NOTIFIER(self) -> str:
        """Dotted path of the notifier class (swap it to change who is told what)."""
        return self._get("NOTIFIER", "wagtail_tickets.notifications.notifier.Notifier")

    # Outgoing mail (the outbox and its queue).

    @property
    def BASE_URL(self) -> str:
        """Scheme and host put in front of links in mail, e.g. ``https://www.example.com``
        (default: ``WAGTAILADMIN_BASE_URL``)."""
        return (
            self._get("BASE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
        ).rstrip("/")

    @property
    def MAIL_MAX_ATTEMPTS(self) -> int:
        """Delivery attempts per mail before it stays "failed" (an administrator can still
        retry it from the outbox)."""
        return int(self._get("MAIL_MAX_ATTEMPTS", 10))

    @property
    def MAIL_RETRY_DELAY(self) -> int:
        """Seconds before the first retry of a failed delivery; doubles with each attempt
        (capped at six hours)."""
        return int(self._get("MAIL_RETRY_DELAY", 60))

    @property
    def MAIL_SENDING_TIMEOUT(self) -> int:
        """Seconds after which a mail still marked "sending" (its worker died) is tried
        again."""
        return int(self._get("MAIL_SENDING_TIMEOUT", 900))

    # Inbound mail (IMAP import) and the scheduled jobs.

    @property
    def MAIL_MAX_MESSAGE_SIZE(self) -> int:
        """Largest inbound email imported, in bytes (default 25 MiB). Larger ones are kept
        whole in the quarantine with the reason, never truncated."""
        return int(self._get("MAIL_MAX_MESSAGE_SIZE", 25 * 1024 * 1024))

    @property
    def MAIL_IMPORT_BATCH(self) -> int:
        """Most messages imported from one mailbox in one run; the rest wait for the next."""
        return int(self._get("MAIL_IMPORT_BATCH", 200))

    @property
    def MAIL_IMAP_TIMEOUT(self) -> float:
        """Seconds to wait for the IMAP server before the run gives up (retried next run)."""
        return float(self._get("MAIL_IMAP_TIMEOUT", 30))

    @property
    def MAIL_ALLOWED_PRIVATE_NETWORKS(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """Addresses or networks (``"127.0.0.1"``, ``"10.0.0.0/8"``, ``"fd00::/8"``) of
        mail servers that are not on a public address. Mailboxes are never connected to
        loopback, link-local, private, multicast or reserved addresses (nor their
        IPv4-mapped, 6to4 or NAT64 forms) that are not listed here, and a host name with
        one such address is refused whole: whoever may edit a mailbox could otherwise make
        the server reach into its own network. Default: none."""
        return self._networks("MAIL_ALLOWED_PRIVATE_NETWORKS")

    @property
    def ENCRYPTION_KEYS(self) -> tuple[str, ...]:
        """Keys that encrypt mailbox passwords, OAuth2 client secrets and tokens in the
        database, newest first: values are written with the first and read with any, so a
        key is rotated by putting a new one first, running ``rotate_ticket_secrets`` and
        then removing the old one. Use long random strings kept apart from ``SECRET_KEY``
        (``python -c "import secrets; print(secrets.token_urlsafe(48))"``). Default: none,
        and then the site's ``SECRET_KEY`` followed by its ``SECRET_KEY_FALLBACKS`` serve
        (``encryption_keys()``)."""
        keys = self._get("ENCRYPTION_KEYS", ())
        if isinstance(keys, str):
            keys = (keys,)
        return tuple(str(key) for key in keys or () if key)

    @property
    def MAIL_IMPORT_LOCK_SECONDS(self) -> int:
        """How long one importer holds a mailbox; renewed whenever a tenth of it has passed,
        so a crashed worker blocks the mailbox for at most this long."""
        return int(self._get("MAIL_IMPORT_LOCK_SECONDS", 600))

    @property
    def INBOUND_AUTHSERV_IDS(self) -> tuple[str, ...]:
        """The authserv-id of the site's own receiving mail server (the first word of the
        ``Authentication-Results`` headers it adds, e.g. ``("mx.example.com",)``). Only
        headers with one of these ids are read, so that server must remove any header with
        its id that arrives with the mail (RFC 8601, section 5): a sender can write one."""
        ids = self._get("INBOUND_AUTHSERV_IDS", ())
        if isinstance(ids, str):
            ids = (ids,)
        return tuple(str(i).strip().lower() for i in ids if str(i).strip())

    @property
    def INBOUND_REQUIRE_AUTHENTICATION(self) -> str:
        """``"dmarc"``, ``"dkim"`` or ``""`` (off, the default). When set, a mail counts as
        coming from a registered user or an agent only when a header of
        ``INBOUND_AUTHSERV_IDS`` says ``dmarc=pass`` for its From domain
        (``header.from``), or ``dkim=pass`` signed by exactly that domain (``header.d``,
        else ``header.i``); any other mail with their address is a stranger's: it is not
        theirs, not staff, and joins no ticket by subject tag or Message-ID."""
        mode = str(self._get("INBOUND_REQUIRE_AUTHENTICATION", "") or "").strip().lower()
        if mode not in ("", "dmarc", "dkim"):
            raise ImproperlyConfigured(
                "WAGTAIL_TICKETS['INBOUND_REQUIRE_AUTHENTICATION'] must be 'dmarc', 'dkim' or ''."
            )
        if mode and not self.INBOUND_AUTHSERV_IDS:
            raise ImproperlyConfigured(
                "WAGTAIL_TICKETS['INBOUND_REQUIRE_AUTHENTICATION'] needs "
                "WAGTAIL_TICKETS['INBOUND_AUTHSERV_IDS']: the authserv-id of the site's "
                "own receiving mail server."
            )
        return mode

    @property
    def AUTO_MAIL_LIMIT_PER_HOUR(self) -> int:
        """Most automatic mails (confirmations, auto replies) sent to one address per hour;
        more are dropped, which breaks loops with robots that do not mark their mail."""
        return int(self._get("AUTO_MAIL_LIMIT_PER_HOUR", 5))

    @property
    def RETAIN_CLOSED_TICKETS_DAYS(self) -> int:
        """Days a closed ticket is kept before the daily privacy task anonymises or deletes
        it (``CLOSED_TICKETS_RETENTION``); 0 keeps closed tickets for good."""
        return max(0, int(self._get("RETAIN_CLOSED_TICKETS_DAYS", 0) or 0))

    @property
    def CLOSED_TICKETS_RETENTION(self) -> str:
        """What happens to a closed ticket after ``RETAIN_CLOSED_TICKETS_DAYS``:
        ``"anonymise"`` (the requester's name, address and messages replaced; reports
        unchanged) or ``"delete"`` (the ticket and its files removed)."""
        mode = self._get("CLOSED_TICKETS_RETENTION", "anonymise")
        if mode not in ("anonymise", "delete"):
            raise ImproperlyConfigured(
                'WAGTAIL_TICKETS["CLOSED_TICKETS_RETENTION"] must be "anonymise" or "delete".'
            )
        return mode

    @property
    def RETAIN_QUARANTINE_DAYS(self) -> int:
        """Days quarantined mail (kept whole, with its raw bytes) is kept; 0 keeps it."""
        return max(0, int(self._get("RETAIN_QUARANTINE_DAYS", 0) or 0))

    @property
    def RETAIN_SENT_MAIL_DAYS(self) -> int:
        """Days the bodies of sent mail stay in the outbox; after that the row keeps who,
        when and what kind, without the text. 0 keeps them."""
        return max(0, int(self._get("RETAIN_SENT_MAIL_DAYS", 0) or 0))

    @property
    def AUTO_CLOSE_BATCH_SIZE(self) -> int:
        """Tickets closed per transaction by the daily auto-close job (10 keeps each
        transaction's row locks well under a second, even on a slow moment)."""
        return int(self._get("AUTO_CLOSE_BATCH_SIZE", 10))

    @property
    def STATUS_REPLACEMENT_BATCH_SIZE(self) -> int:
        """Tickets moved per transaction when an administrator deletes a status that
        tickets still use (each gets the replacement through ``actions.replace_status``).
        A status with more tickets than this is replaced by a task queue worker, so the
        admin's page answers at once."""
        return max(1, int(self._get("STATUS_REPLACEMENT_BATCH_SIZE", 200)))

    @property
    def REPORT_CONNECTIONS(self) -> int:
        """Database connections the reports page reads its slices with at once (PostgreSQL;
        they share one snapshot, so the numbers agree). ``1`` reads them one after the
        other on the request's own connection."""
        return max(1, int(self._get("REPORT_CONNECTIONS", 2)))

    # Service levels: escalation.

    @property
    def SLA_WARNING_PERCENT(self) -> int:
        """The share (in percent) of a service-level target's business time after which
        the assignee, or the type's agents, are warned that it is due soon; the breach
        mail follows at the due time. ``0`` sends no warning."""
        return max(0, min(100, int(self._get("SLA_WARNING_PERCENT", 80))))

    @property
    def SLA_ESCALATION_EMAILS(self) -> tuple[str, ...]:
        """Addresses (team leads, a list) also told about every warning and breach, besides
        the assignee or the type's agents. An address of a user account is used only while
        that user is an agent of the ticket's type."""
        return tuple(str(address) for address in self._get("SLA_ESCALATION_EMAILS", ()))

    # External page: embedding and abuse limits for visitors without an account.

    @property
    def EXTERNAL_FRAME_ANCESTORS(self) -> tuple[str, ...]:
        """Origins allowed to show the external page in an iframe (CSP ``frame-ancestors``),
        e.g. ``("'self'", "https://www.example.com")``. Only the external views may be
        framed; every other view keeps Django's clickjacking protection."""
        return tuple(self._get("EXTERNAL_FRAME_ANCESTORS", ("'self'",)))

    @property
    def EXTERNAL_TRUSTED_PROXIES(self) -> tuple[str, ...]:
        """Addresses or networks (``"10.0.0.0/8"``) of the host's own reverse proxies. Only
        when a request comes from one of them is ``EXTERNAL_CLIENT_ADDRESS_HEADER`` read to
        find the visitor's address; otherwise the forwarded header is ignored."""
        return tuple(self._get("EXTERNAL_TRUSTED_PROXIES", ()))

    @property
    def EXTERNAL_CLIENT_ADDRESS_HEADER(self) -> str:
        """The ``request.META`` key of the forwarded-for header set by trusted proxies."""
        return self._get("EXTERNAL_CLIENT_ADDRESS_HEADER", "HTTP_X_FORWARDED_FOR")

    @property
    def EXTERNAL_RATE_PER_ADDRESS(self) -> tuple[int, int]:
        """``(count, seconds)``: form submissions accepted from one client address."""
        count, seconds = self._get("EXTERNAL_RATE_PER_ADDRESS", (20, 3600))
        return int(count), int(seconds)

    @property
    def EXTERNAL_RATE_PER_EMAIL(self) -> tuple[int, int]:
        """``(count, seconds)``: new tickets accepted for one email address."""
        count, seconds = self._get("EXTERNAL_RATE_PER_EMAIL", (5, 3600))
        return int(count), int(seconds)

    @property
    def EXTERNAL_TOKEN_MISSES_PER_ADDRESS(self) -> tuple[int, int]:
        """``(count, seconds)``: wrong private links tried from one address before that
        address gets "too many requests" for a while."""
        count, seconds = self._get("EXTERNAL_TOKEN_MISSES_PER_ADDRESS", (30, 3600))
        return int(count), int(seconds)

    @property
    def HELPCENTRE_SUGGESTIONS_PER_ADDRESS(self) -> tuple[int, int]:
        """``(count, seconds)``: article suggestions one client address may ask for while
        typing a ticket's subject (help centre sub-app); more answer "429"."""
        count, seconds = self._get("HELPCENTRE_SUGGESTIONS_PER_ADDRESS", (120, 60))
        return int(count), int(seconds)

    @property
    def HELPCENTRE_FEEDBACK_PER_ADDRESS(self) -> tuple[int, int]:
        """``(count, seconds)``: "was this helpful?" votes and "this answered my question"
        clicks counted from one client address (help centre sub-app)."""
        count, seconds = self._get("HELPCENTRE_FEEDBACK_PER_ADDRESS", (30, 3600))
        return int(count), int(seconds)

    @property
    def EXTERNAL_MIN_FILL_SECONDS(self) -> int:
        """Forms sent sooner than this after they were shown are refused (robots)."""
        return int(self._get("EXTERNAL_MIN_FILL_SECONDS", 3))

    @property
    def EXTERNAL_FORM_MAX_AGE(self) -> int:
        """Seconds a shown external form stays valid (its signed timestamp expires)."""
        return int(self._get("EXTERNAL_FORM_MAX_AGE", 24 * 3600))

    @property
    def EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL(self) -> int:
        """Most open tickets one email address may have before the external page refuses
        new ones (0: no cap)."""
        return int(self._get("EXTERNAL_MAX_OPEN_TICKETS_PER_EMAIL", 5))

    @property
    def CUSTOMER_TAB(self) -> bool:
        """Whether the admin shows a "Customer tickets" tab on customer records (snippet or
        modeladmin edit view) and a "Tickets" button in the customer listing."""
        return bool(self._get("CUSTOMER_TAB", True))

    @property
    def PRESENCE_PING_SECONDS(self) -> int:
        """How often an open ticket workspace tells the server that its agent is still
        there (and whether they are writing), and reads who else is; an agent is shown
        until about three pings are missed. 0 turns the "also on this ticket" list off."""
        return max(0, int(self._get("PRESENCE_PING_SECONDS", 5)))

    @property
    def INBOX_REFRESH_SECONDS(self) -> int:
        """How often an open inbox reads its listing again, so new tickets appear without
        a reload (and a screen reader hears how many arrived). 0 turns this off."""
        return max(0, int(self._get("INBOX_REFRESH_SECONDS", 60)))

    @property
    def API_RATE(self) -> tuple[int, int]:
        """``(count, seconds)``: requests one API token (or one signed-in user of the API
        through the session) may make in that time; more are answered with 429. Counted in
        Django's cache (``wagtail_tickets.contrib.api``)."""
        count, seconds = self._get("API_RATE", (600, 60))
        return int(count), int(seconds)

    @property
    def API_PAGE_SIZE(self) -> int:
        """Tickets and messages per page of the API's lists; a client may ask for fewer or
        up to twice as many with ``?page_size=``."""
        return int(self._get("API_PAGE_SIZE", 50))

    @property
    def API_TOKEN_TOUCH_SECONDS(self) -> int:
        """How often an API token's "last used" time is written: at most once in this many
        seconds, not at every request."""
        return int(self._get("API_TOKEN_TOUCH_SECONDS", 300))

    @property
    def WEBHOOK_TIMEOUT(self) -> float:
        """Seconds a webhook delivery waits to connect, and then for each read of the
        answer, before it counts as failed and is retried."""
        return float(self._get("WEBHOOK_TIMEOUT", 10))

    @property
    def WEBHOOK_MAX_ATTEMPTS(self) -> int:
        """Deliveries of one webhook event tried before it is given up (the delivery log
        keeps it, and an administrator may retry it)."""
        return int(self._get("WEBHOOK_MAX_ATTEMPTS", 8))

    @property
    def WEBHOOK_RETRY_DELAY(self) -> int:
        """Seconds before the first retry of a failed webhook delivery; each further retry
        waits twice as long (at most six hours)."""
        return int(self._get("WEBHOOK_RETRY_DELAY", 60))

    @property
    def WEBHOOK_ALLOWED_PRIVATE_NETWORKS(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """Addresses or networks a webhook may be delivered to although they are not
        public (``"10.0.0.0/8"``). Like mailboxes, webhook URLs never lead to loopback,
        link-local, private or reserved addresses that are not listed here. Default: none."""
        return self._networks("WEBHOOK_ALLOWED_PRIVATE_NETWORKS")

    def _networks(self, name: str) -> tuple[IPv4Network | IPv6Network, ...]:
        """An option that lists addresses or networks (a single string is one entry)."""
        entries = self._get(name, ())
        if isinstance(entries, str):
            entries = (entries,)
        try:
            return tuple(ip_network(str(entry).strip(), strict=False) for entry in entries)
        except ValueError as exc:
            raise ImproperlyConfigured(f"WAGTAIL_TICKETS[{name!r}]: {exc}") from None


def option_names() -> frozenset[str]:
    """The keys ``WAGTAIL_TICKETS`` may hold: the upper-case properties of ``AppSettings``,
    so an option is known (to the system check, the README's table) where it is written."""
    return frozenset(
        name
        for name, attribute in vars(AppSettings).items()
        if isinstance(attribute, property) and name.isupper()
    )


app_settings = AppSettings()
