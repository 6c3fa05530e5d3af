"""What the site's own receiving mail server found about a message: its
``Authentication-Results`` headers (RFC 8601).

SMTP does not authenticate the From header. A receiving server that checks DKIM and DMARC
writes what it found into an ``Authentication-Results`` header that starts with its
authserv-id; a sender can write such headers too, so only those with the site's own
authserv-id (``INBOUND_AUTHSERV_IDS``) are read, and that server must remove any that
arrive with its id (RFC 8601, section 5).

The parser reads each header once from left to right (no regular expression, no going
back) and ignores headers longer than ``MAX_HEADER_LENGTH``: whatever it cannot read is not
a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from ..conf import app_settings
from ..permissions import mail_address_key

HEADER = "authentication-results"
MAX_HEADER_LENGTH = 8192
MAX_HEADERS = 100

_SPACE = " \t\r\n"
# a keyword ends at these; a value may hold "=" (``header.b=ab=``)
_KEYWORD_END = _SPACE + ';=()"'
_VALUE_END = _SPACE + ';()"'


@dataclass(frozen=True)
class Result:
    """One ``method=result`` with its properties (``{"header.d": "example.com"}``); method,
    result and property names in lower case."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthenticationResults:
    authserv_id: str
    results: tuple[Result, ...] = ()


class _Scanner:
    """A cursor over one header value; every method moves forward or not at all."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.end = text, 0, len(text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < self.end else ""

    def take(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def skip_cfws(self) -> None:
        """White space and (nested) comments; an unclosed comment runs to the end."""
        text, end = self.text, self.end
        while self.pos < end:
            char = text[self.pos]
            if char in _SPACE:
                self.pos += 1
            elif char == "(":
                depth = 0
                while self.pos < end:
                    char = text[self.pos]
                    if char == "\\":
                        self.pos += 2
                        continue
                    self.pos += 1
                    if char == "(":
                        depth += 1
                    elif char == ")":
                        depth -= 1
                        if depth == 0:
                            break
                self.pos = min(self.pos, end)
            else:
                return

    def _run(self, stop: str) -> str:
        start = self.pos
        while self.pos < self.end and self.text[self.pos] not in stop:
            self.pos += 1
        return self.text[start : self.pos]

    def keyword(self) -> str:
        return self._run(_KEYWORD_END)

    def value(self) -> str | None:
        """A token or a quoted string (unquoted); ``None`` when there is neither."""
        if not self.take('"'):
            return self._run(_VALUE_END) or None
        chars: list[str] = []
        while self.pos < self.end:
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and self.pos < self.end:
                chars.append(self.text[self.pos])
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            else:
                chars.append(char)
        return None  # unclosed

    def skip_to_semicolon(self) -> None:
        """Past whatever is left of a result that could not be read, up to the next
        ``;`` that is not inside a comment or a quoted string."""
        while self.pos < self.end:
            self.skip_cfws()
            char = self.peek()
            if char in ("", ";"):
                return
            if char == '"':
                if self.value() is None:
                    return
            else:
                self.pos += 1


def parse(value: str) -> AuthenticationResults | None:
    """One ``Authentication-Results`` value; ``None`` when it has no authserv-id or is
    longer than ``MAX_HEADER_LENGTH``. A result that cannot be read is left out."""
    if not value or len(value) > MAX_HEADER_LENGTH:
        return None
    scanner = _Scanner(value)
    scanner.skip_cfws()
    authserv_id = scanner.value()
    if not authserv_id:
        return None
    scanner.skip_cfws()
    if scanner.peek().isdigit():  # authres-version
        scanner.keyword()
        scanner.skip_cfws()
    results: list[Result] = []
    while scanner.take(";"):
        scanner.skip_cfws()
        result = _result(scanner)
        if result is not None:
            results.append(result)
        scanner.skip_to_semicolon()
    return AuthenticationResults(authserv_id.lower(), tuple(results))


def _result(scanner: _Scanner) -> Result | None:
    """``method[/version]=result [reason=...] [ptype.property=value ...]``; ``None`` for
    ``none`` and for anything malformed (then the whole result is left out)."""
    method = scanner.keyword().lower()
    scanner.skip_cfws()
    if not method or not scanner.take("="):
        return None
    scanner.skip_cfws()
    result = scanner.keyword().lower()
    if not result:
        return None
    properties: dict[str, str] = {}
    while True:
        scanner.skip_cfws()
        if scanner.peek() in ("", ";"):
            break
        name = scanner.keyword().lower()
        scanner.skip_cfws()
        if not name or not scanner.take("="):
            return None
        scanner.skip_cfws()
        value = scanner.value()
        if value is None:
            return None
        if name == "reason":
            continue
        ptype, dot, prop = name.partition(".")
        if not (dot and ptype and prop) or name in properties:
            return None  # not ptype.property, or said twice: which one would count?
        properties[name] = value
    return Result(method.partition("/")[0].strip(), result, properties)


def results(msg: EmailMessage, authserv_ids) -> list[AuthenticationResults]:
    """The message's ``Authentication-Results`` headers written by one of
    ``authserv_ids`` (compared without regard to case), read from the raw headers: no
    RFC 2047 decoding, folding removed."""
    wanted = {i.lower() for i in authserv_ids if i}
    found: list[AuthenticationResults] = []
    seen = 0
    for name, raw in msg.raw_items():
        if name.strip().lower() != HEADER:
            continue
        seen += 1
        if seen > MAX_HEADERS:
            break
        text = str(raw).replace("\r", "").replace("\n", "")
        parsed = parse(text)
        if parsed is not None and parsed.authserv_id in wanted:
            found.append(parsed)
    return found


def _domain_forms(domain: str) -> set[str]:
    """A domain as compared: lower case (ASCII letters), without a final dot, and its
    ASCII (IDNA) form when it has other characters."""
    domain = mail_address_key(domain).rstrip(".")
    forms = {domain}
    if domain and not domain.isascii():
        try:
            forms.add(domain.encode("idna").decode("ascii").lower())
        except UnicodeError:
            pass
    return forms


def _same_domain(value: str | None, domain: str) -> bool:
    if not value or not domain:
        return False
    value = value.rpartition("@")[2]
    return bool(_domain_forms(value) & _domain_forms(domain))


def from_domain_passes(msg: EmailMessage, address: str, method: str, authserv_ids) -> bool:
    """Whether the site's receiving server authenticated the domain of ``address`` (the
    From address) with ``method``:

    - ``dmarc``: it reported DMARC, and every DMARC result it reported is ``pass`` for that
      domain (``header.from``): a result for another domain, a missing ``header.from``, or
      a second result that does not pass (a forged header the server failed to remove
      beside its own) is not a pass;
    - ``dkim``: one DKIM result is ``pass`` with ``header.d`` equal to that domain (or,
      without ``header.d``, the domain of ``header.i``). Only exactly that domain counts:
      a parent domain's signature is what DMARC's relaxed alignment is for.
    """
    domain = address.rpartition("@")[2]
    if not domain or method not in ("dmarc", "dkim"):
        return False
    found = [
        r for header in results(msg, authserv_ids) for r in header.results if r.method == method
    ]
    if method == "dmarc":
        return bool(found) and all(
            r.result == "pass" and _same_domain(r.properties.get("header.from"), domain)
            for r in found
        )
    for r in found:
        signer = r.properties.get("header.d") or r.properties.get("header.i")
        if r.result == "pass" and _same_domain(signer, domain):
            return True
    return False


def sender_authenticated(msg: EmailMessage, address: str) -> bool | None:
    """What ``INBOUND_REQUIRE_AUTHENTICATION`` asks of this message's From address:
    ``True`` or ``False``, or ``None`` when the site asks nothing."""
    method = app_settings.INBOUND_REQUIRE_AUTHENTICATION
    if not method:
        return None
    return from_domain_passes(msg, address, method, app_settings.INBOUND_AUTHSERV_IDS)
