"""Raw bytes -> a parsed message, with the standard library's modern email policy.

Inbound mail is hostile and often broken: headers that do not parse, charsets that do not
exist or lie, MIME trees without their closing boundary. Parsing never raises for those; it
falls back to a readable best effort.

The sender is the exception: it decides who a mail speaks for, so it is never guessed. It
is the addr-spec of the one From header, parsed strictly; nothing is ever read from a
display name, from Sender or Reply-To, or by a lenient parser. A From that does not parse
strictly makes the sender unknown, and ``parse_message`` raises ``ParseError`` with the
reason: the importer keeps such a message in the quarantine (see docs/security.md).
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import _header_value_parser as address_parser
from email import errors as email_errors
from email import policy
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parsedate_to_datetime

from django.utils.translation import gettext as _

from ..permissions import mail_address_key
from ..sanitize import clean_filename, clean_html, clean_subject, is_blank, text_to_html

# Charsets tried when a part's declared charset is unknown or wrong. cp1252 decodes what
# most mislabelled Western mail really is; latin-1 maps every byte, so it never fails.
FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")

_ID = re.compile(r"<([^<>\s]+)>")
# Reply and forward prefixes of the usual languages, with counters such as "Re[2]:".
REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|antw|antwort|sv|vs|wg|fw|fwd|tr|r|rif|i|doorst|res)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*)+",
    re.IGNORECASE,
)


class _OneMessagePolicy(EmailPolicy):
    """The standard library's modern policy, parsing each header of one message once.

    The standard policy builds a header object anew on every read; the parser and this
    module read ``Content-Type`` alone some twenty times per message. The objects are
    immutable, so each (name, raw value) is parsed once and kept, by a policy made for each
    message: the kept headers live and die with that message, whatever its size."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        object.__setattr__(self, "_parsed", {})

    def header_fetch_parse(self, name, value):
        key = (name, value)
        try:
            return self._parsed[key]
        except KeyError:
            header = self._parsed[key] = super().header_fetch_parse(name, value)
            return header


class _HeaderClasses(HeaderRegistry):
    """The standard header classes, each made once: the standard registry makes a new
    class (``type(...)``) for every header it parses."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        try:
            return self._made[key]
        except KeyError:
            made = self._made[key] = super().__getitem__(key)
            return made


_HEADER_CLASSES = _HeaderClasses()


class ParseError(ValueError):
    """The message has nothing a ticket can be made of; the text is the reason."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMessage:
    raw: bytes
    headers: EmailMessage
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender_name: str
    sender_email: str
    to: list[str]
    cc: list[str]
    date: object
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, the most direct first."""
        seen: list[str] = []
        for mid in self.in_reply_to + list(reversed(self.references)):
            if mid not in seen:
                seen.append(mid)
        return seen

    @property
    def content_hash(self) -> str:
        """SHA-256 of the body as transmitted: the same in every copy of one message, even
        when relays add their own trace headers."""
        head, sep, body = self.raw.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = self.raw.partition(b"\n\n")
        return hashlib.sha256(body if sep else self.raw).hexdigest()

    def header(self, name: str) -> str:
        return header_text(self.headers, name)

    def body_html(self, limit: int | None = None) -> str:
        """The sanitised HTML stored for the ticket: the HTML part if any, else the text
        part; quoted history in a closing blockquote; inline ``cid:`` images named after
        their attachment. Beyond ``limit`` characters the body is cut (the importer then
        attaches the whole text, see ``full_body``). Made once per message and limit: the
        importer makes it before its transaction begins."""
        made = self.__dict__.setdefault("_body_html", {})
        if limit not in made:
            made[limit] = self._make_body_html(limit)
        return made[limit]

    def _make_body_html(self, limit: int | None) -> str:
        source_html, source_text = self.html, self.text
        if limit:
            source_html, source_text = source_html[:limit], source_text[:limit]
        body = ""
        if source_html:
            body = _fold_html_quote(_name_inline_images(source_html, self.attachments))
        if is_blank(body):
            body = _fold_text_quote(source_text)
        if is_blank(body):
            body = "<p>{}</p>".format(html.escape(_("(This email had no text.)")))
        return body

    def full_body(self, limit: int) -> ParsedAttachment | None:
        """The whole body as a file when it is longer than ``limit`` characters."""
        if self.html and len(self.html) > limit:
            return ParsedAttachment("message.html", "text/plain", self.html.encode("utf-8"))
        if not self.html and len(self.text) > limit:
            return ParsedAttachment("message.txt", "text/plain", self.text.encode("utf-8"))
        return None


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw RFC 5322 bytes. Raises ``ParseError`` when there is no sender address."""
    if not raw or not raw.strip():
        raise ParseError(_("The message is empty."))
    msg = BytesParser(policy=_OneMessagePolicy(header_factory=_HEADER_CLASSES)).parsebytes(raw)
    sender_name, sender_email = strict_sender(msg)
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[ParsedAttachment] = []
    _collect(msg, text_parts, html_parts, attachments)
    return ParsedMessage(
        raw=raw,
        headers=msg,
        message_id=(message_ids(header_text(msg, "Message-ID")) or [""])[0][:250],
        in_reply_to=message_ids(header_text(msg, "In-Reply-To")),
        references=message_ids(header_text(msg, "References")),
        subject=clean_subject(header_text(msg, "Subject")),
        sender_name=sender_name,
        sender_email=sender_email,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=_date(msg),
        text="\n\n".join(t for t in text_parts if t.strip()),
        html="\n".join(html_parts),
        attachments=attachments,
    )


def header_text(msg: EmailMessage, name: str) -> str:
    """A header as text; a header the policy cannot parse is decoded leniently instead."""
    try:
        value = msg.get(name)
    except Exception:  # a header so broken the header class fails on it
        value = None
        for key, raw_value in msg.raw_items():
            if key.lower() == name.lower():
                value = _lenient_header(raw_value)
                break
    return "" if value is None else str(value)


def _lenient_header(value) -> str:
    from email.header import decode_header

    parts = []
    for chunk, charset in decode_header(str(value)):
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    return "".join(parts)


def message_ids(value: str) -> list[str]:
    """The Message-IDs in a header, without angle brackets (a bare id is accepted too)."""
    found = _ID.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip()]
    return [mid[:250] for mid in found][:50]


# Longer than any From with one mailbox; the header parser is not run on more.
MAX_FROM_LENGTH = 2000


def strict_sender(msg: EmailMessage) -> tuple[str, str]:
    """``(display name, address)`` of the message's sender: the addr-spec of its one From
    header, parsed strictly (RFC 5322, with RFC 6532's UTF-8). Raises ``ParseError`` with
    the reason when the sender is unknown: no From or several, one that does not parse,
    a defect anywhere but in the display name, a group, several mailboxes, or an address
    that is not a plain ``local@domain``. The display name is kept for display only, and
    not even that when it holds an ``@``: a name that looks like an address serves only to
    pass for someone else."""
    values = [value for name, value in msg.raw_items() if name.strip().lower() == "from"]
    if not values:
        raise ParseError(_("The sender is unknown: the message has no From header."))
    if len(values) > 1:
        raise ParseError(_("The sender is unknown: the message has several From headers."))
    text, utf8 = _header_unicode(values[0])
    if not text.strip():
        raise ParseError(_("The sender is unknown: the From header is empty."))
    if len(text) > MAX_FROM_LENGTH:
        raise ParseError(_("The sender is unknown: the From header is too long."))
    display, address = _one_mailbox(text, utf8)
    name = clean_subject(display, 150)
    return ("" if "@" in name else name), mail_address_key(address)


def _header_unicode(value) -> tuple[str, bool]:
    """A raw header value as text, unfolded, and whether it was ASCII or UTF-8 (RFC 6532).
    Other 8-bit bytes are decoded with the fallbacks; no decoding turns a byte above 127
    into an ASCII character, so the structure the parser sees is the one that was sent."""
    raw = str(value).encode("utf-8", "surrogateescape")
    try:
        text, utf8 = raw.decode("utf-8"), True
    except UnicodeDecodeError:
        text, utf8 = decode_bytes(raw, None), False
    return text.replace("\r", "").replace("\n", ""), utf8


def _one_mailbox(text: str, utf8: bool) -> tuple[str, str]:
    """The display name and addr-spec of the one mailbox in a From value. The parser is
    the one behind ``email.headerregistry``, called directly because it tells where each
    defect is: one in the display name (``Dr. Smith``, an encoded word inside quotes)
    leaves the address as clear as it was; one anywhere else means the parser guessed."""

    def unknown(why: str) -> ParseError:
        return ParseError(
            _("The sender is unknown: the From header is not one valid address (%(why)s).")
            % {"why": why}
        )

    try:
        parsed, rest = address_parser.get_address_list(text)
    except Exception as exc:  # the parser gave up
        raise unknown(_("it does not parse")) from exc
    if rest or not parsed.addresses:
        raise unknown(_("it does not parse"))
    if len(parsed.addresses) > 1:
        raise unknown(_("several addresses"))
    entry = parsed.addresses[0][0]
    if entry.token_type == "group":
        raise unknown(_("a group"))
    # a mailbox with a defect is an "invalid-mailbox", also when the defect is in its name
    if entry.token_type not in ("mailbox", "invalid-mailbox") or entry[0].token_type not in (
        "name-addr",
        "addr-spec",
    ):
        raise unknown(_("it does not parse"))
    display = None
    if entry[0].token_type == "name-addr":
        display = next((t for t in entry[0] if t.token_type == "display-name"), None)
    harmless = {id(d) for d in (display.all_defects if display is not None else ())}
    for defect in parsed.all_defects:
        if id(defect) in harmless:
            continue
        if utf8 and isinstance(defect, email_errors.NonASCIILocalPartDefect):
            continue  # RFC 6532: an address in UTF-8
        raise unknown(str(defect) or defect.__class__.__name__)
    try:
        address = Address(entry.display_name or "", entry.local_part or "", entry.domain or "")
    except (ValueError, TypeError, IndexError) as exc:  # a line break in the name, ...
        raise unknown(str(exc)) from exc
    if not _plausible_address(address.addr_spec):
        raise unknown(_("not a plain local@domain address"))
    return address.display_name, address.addr_spec


def _plausible_address(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(
        at
        and local
        and "." in domain
        and len(address) <= 254
        and not any(char in address for char in " \t\r\n<>\"',;:()[]\\")
        and not domain.startswith(".")
        and not domain.endswith(".")
    )


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    """The plain addresses of an address header (To, Cc): informational only, never a
    sender; a header that does not parse gives none."""
    try:
        header = msg.get(name)
        found = [a.addr_spec for a in header.addresses] if header else []
    except Exception:
        return []
    return [mail_address_key(a) for a in found if _plausible_address(a)]


def _date(msg: EmailMessage):
    try:
        return parsedate_to_datetime(header_text(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode with the declared charset if Python knows it and it fits the bytes; else
    with the fallbacks (the last one maps every byte, so this never fails)."""
    for candidate in ((charset,) if charset else ()) + FALLBACK_CHARSETS:
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1", errors="replace")  # pragma: no cover


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    if isinstance(payload, str):  # pragma: no cover - defensive
        return payload
    return decode_bytes(payload, part.get_content_charset())


def _collect(msg: EmailMessage, texts: list, htmls: list, attachments: list) -> None:
    """Walk the MIME tree: the best body of each alternative, every attachment."""
    if msg.is_multipart():
        subtype = msg.get_content_subtype()
        parts = list(msg.iter_parts())
        if subtype == "alternative":
            # one text and one HTML version of the same content: the first text, the last
            # (richest) HTML, every attachment (e.g. images of a multipart/related HTML)
            text_found = html_found = None
            for part in parts:
                part_texts: list[str] = []
                part_htmls: list[str] = []
                _collect(part, part_texts, part_htmls, attachments)
                if part_texts and text_found is None:
                    text_found = part_texts
                if part_htmls:
                    html_found = part_htmls
            texts.extend(text_found or [])
            htmls.extend(html_found or [])
            return
        for part in parts:
            _collect(part, texts, htmls, attachments)
        return
    content_type = msg.get_content_type()
    disposition = (msg.get_content_disposition() or "").lower()
    filename = _filename(msg)
    if content_type == "message/rfc822" or (
        msg.get_content_maintype() == "message" and content_type != "message/delivery-status"
    ):
        attachments.append(_attachment(msg, filename or "message.eml", "message/rfc822"))
        return
    if disposition != "attachment" and not filename and content_type in ("text/plain", "text/html"):
        (htmls if content_type == "text/html" else texts).append(_part_text(msg))
        return
    if content_type in ("message/delivery-status",):
        texts.append(_part_text(msg))
        return
    attachments.append(_attachment(msg, filename, content_type))


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return clean_subject(name, 255)


def _attachment(part: EmailMessage, filename: str, content_type: str) -> ParsedAttachment:
    raw_payload = part.get_payload(decode=True)
    if raw_payload is None:  # a message/rfc822 part: keep it as the bytes it was
        inner = part.get_payload()
        raw_payload = (
            inner[0].as_bytes(policy=policy.SMTP)
            if isinstance(inner, list) and inner
            else str(inner).encode("utf-8", "replace")
        )
    content_id = _ID.findall(header_text(part, "Content-ID"))
    if not filename:
        extension = {
            "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif",
            "application/pdf": "pdf", "message/rfc822": "eml", "text/plain": "txt",
            "text/html": "html",
        }.get(content_type, "bin")  # fmt: skip
        filename = f"{part.get_content_maintype() or 'file'}.{extension}"
    return ParsedAttachment(
        filename=clean_filename(filename),
        content_type=content_type,
        content=raw_payload,
        content_id=content_id[0] if content_id else "",
        inline=(part.get_content_disposition() or "") == "inline" or bool(content_id),
    )


# Inline images: the sanitiser keeps no <img>, so a ``cid:`` image becomes a mention of the
# attachment that carries it (stored with the same message).
_IMG = re.compile(r"<img\b[^<>]{0,2000}>", re.IGNORECASE)
_SRC_CID = re.compile(r"""src\s*=\s*["']?cid:([^"'\s>]{1,250})""", re.IGNORECASE)


def _name_inline_images(value: str, attachments: list[ParsedAttachment]) -> str:
    by_cid = {a.content_id: a for a in attachments if a.content_id}

    def replace(match: re.Match) -> str:
        cid = _SRC_CID.search(match.group(0))
        attachment = by_cid.get(cid.group(1)) if cid else None
        if attachment is None:
            return ""
        label = _("image: %(name)s") % {"name": attachment.filename}
        return f" [{html.escape(label)}] "

    return _IMG.sub(replace, value)


# Quoted history: the reader sees the new text first, the quote after it in a blockquote.
# Bounded repetitions only: hostile mail must not make these searches slow.
_HTML_QUOTE_START = re.compile(
    r"<div[^<>]{1,500}class=[\"']?[^\"'<>]{0,200}gmail_quote"
    r"|<blockquote[^<>]{1,500}type=[\"']?cite"
    r"|<div[^<>]{1,500}id=[\"']?(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message)"
    r"|<hr[^<>]{1,500}id=[\"']?stopSpelling"
    r"|<div[^<>]{1,500}class=[\"']?[^\"'<>]{0,200}"
    r"(?:moz-cite-prefix|yahoo_quoted|OutlookMessageHeader)",
    re.IGNORECASE,
)
_TEXT_QUOTE_START = re.compile(
    r"^(?:"
    r"On\b.{0,200}\bwrote:[ \t]*$"
    r"|Am\b.{0,200}\bschrieb\b.{0,100}:[ \t]*$"
    r"|Op\b.{0,200}\bschreef\b.{0,100}:[ \t]*$"
    r"|Il\b.{0,200}\bha scritto:[ \t]*$"
    r"|-{2,}[ \t]*(?:Original Message|Ursprüngliche Nachricht|Oorspronkelijk bericht"
    r"|Messaggio originale)[ \t]*-{2,}[ \t]*$"
    r"|_{20,}[ \t]*$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)


def _folded(quote_html: str) -> str:
    """The quoted history as the message's last element, one ``<blockquote>``: displays
    fold it (``.wt-prose > blockquote:last-child``), the text stays complete. Whether it
    is blank is judged on the sanitised quote: the plain-text reading is made for
    sanitised HTML, and raw mail HTML can hide text from it."""
    cleaned = clean_html(quote_html)
    if is_blank(cleaned):
        return ""
    return f"<blockquote>{cleaned}</blockquote>"


def _fold_html_quote(value: str) -> str:
    """The sanitised body, its quoted history folded when it follows text of its own.
    Sanitising costs more than all the rest: a reply is sanitised in its parts and then
    whole, a body without history once."""
    match = _HTML_QUOTE_START.search(value)
    if match and not is_blank(clean_html(value[: match.start()])):
        return clean_html(value[: match.start()] + _folded(value[match.start() :]))
    return clean_html(value)


def _quoted_tail_start(value: str) -> int | None:
    """Offset of the run of ``>`` lines (and blank lines) that ends the text, if any."""
    lines = value.split("\n")
    first = len(lines)
    while first > 0 and (lines[first - 1].startswith(">") or not lines[first - 1].strip()):
        first -= 1
    if not any(line.startswith(">") for line in lines[first:]):
        return None
    return sum(len(line) + 1 for line in lines[:first])


def _fold_text_quote(value: str) -> str:
    value = (value or "").replace("\r\n", "\n")
    match = _TEXT_QUOTE_START.search(value)
    start = match.start() if match else None
    tail = _quoted_tail_start(value)
    if tail is not None and (start is None or tail < start):
        start = tail
    if start is None or not value[:start].strip():
        return text_to_html(value)
    quote = "\n".join(
        line[1:].lstrip() if line.startswith(">") else line for line in value[start:].split("\n")
    )
    return clean_html(text_to_html(value[:start]) + _folded(text_to_html(quote)))
