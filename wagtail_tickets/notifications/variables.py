"""Template variables: ``{contact:first_name}``, ``{company:name}``, ``{ticket:subject}``,
``{AGENT}``, ``{MESSAGE}``, ``{LINK}`` and friends.

Administrators write templates; they must not be able to run code or read anything but the
listed values. So substitution is a plain look-up in a flat dictionary of strings built here
from fixed allowlists of names (``getattr`` on those names only, never a name from the
template): no attribute access, no format specifications, no template language. Unknown
names render as empty text; every value and the whole output have a length bound; in the
HTML part every value is escaped except ``{MESSAGE}``, which is already sanitised HTML.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

from django.db import models

from ..display import show_datetime
from ..sanitize import clean_subject, linkify_text

VARIABLE = re.compile(r"\{([A-Za-z][A-Za-z0-9_]{0,40}(?::[A-Za-z0-9_]{1,40})?)\}")
MAX_VALUE_LENGTH = 2_000
MAX_MESSAGE_LENGTH = 100_000
MAX_OUTPUT_LENGTH = 200_000
# The subject and the names of the person who opened a ticket are user text in every mail:
# one line each, no longer than the ticket's fields.
MAX_SUBJECT_VALUE_LENGTH = 255
MAX_NAME_LENGTH = 150

CONTACT_FIELDS = (
    "sirmadam", "salutation", "formatted_address", "first_name", "middle_name", "last_name",
    "initials", "title", "email", "home_phone", "fax", "cellular", "address", "address_no",
    "zip", "city", "state", "country", "department", "function", "work_phone", "work_fax",
    "homepage",
)  # fmt: skip
COMPANY_FIELDS = (
    "formatted_address", "formatted_post_address", "mtime", "ctime", "crn", "iban", "vat_no",
    "bank_no", "comment", "homepage", "email", "fax", "phone", "post_zip", "post_country",
    "post_state", "post_city", "post_address_no", "post_address", "country", "state", "city",
    "zip", "address", "address_no", "name2", "name", "id",
)  # fmt: skip
TICKET_FIELDS = (
    "ticket_number", "number", "subject", "company", "first_name", "middle_name", "last_name",
    "email", "phone", "type", "status", "priority", "category", "target_date", "created", "due",
)  # fmt: skip
# the service-level escalation mail only (``sla.escalation.escalation_values``)
SLA_FIELDS = ("target", "state", "due")
ONE_LINE_CONTACT_FIELDS = (
    "sirmadam", "salutation", "first_name", "middle_name", "last_name", "initials", "title",
    "email",
)  # fmt: skip
_ONE_LINE_LENGTHS = {"email": 254}

# Other common names a host's model may use for the same value (read in this order).
_ALIASES = {
    "ctime": ("ctime", "created_at", "created", "date_joined"),
    "mtime": ("mtime", "updated_at", "modified", "last_modified"),
    "zip": ("zip", "zip_code", "postcode", "postal_code"),
    "homepage": ("homepage", "website", "url"),
    "phone": ("phone", "phone_number", "telephone"),
    "cellular": ("cellular", "mobile", "mobile_phone"),
    "function": ("function", "job_title", "position"),
}


def as_text(value, max_length: int = MAX_VALUE_LENGTH) -> str:
    """A value as display text: plain strings, numbers, dates and model instances only;
    anything else (callables, managers, collections) is empty. Control characters other
    than new lines are removed."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, datetime.date):
        text = show_datetime(value)  # a date shows as a date
    elif isinstance(value, str | int | float | Decimal | models.Model):
        text = str(value)
    else:
        return ""
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " " and ch != "\x7f")
    return text.strip()[:max_length]


def one_line(value, max_length: int = MAX_NAME_LENGTH) -> str:
    """Text someone typed (a subject, a name) as one bounded line: it reaches every
    recipient of a mail, so it can carry no paragraphs of its own."""
    return clean_subject(as_text(value), max_length)


def read_field(obj, name: str) -> str:
    """``obj.<name>`` (or a common alias of it) as text; never raises."""
    if obj is None:
        return ""
    for attr in _ALIASES.get(name, (name,)):
        try:
            value = getattr(obj, attr, None)
        except Exception:  # a host property that fails must not stop the mail
            value = None
        if callable(value) and not isinstance(value, models.Model):
            continue
        text = as_text(value)
        if text:
            return text
    return ""


def _formatted_address(values: Mapping[str, str], prefix: str = "") -> str:
    street = " ".join(
        v for v in (values.get(prefix + "address", ""), values.get(prefix + "address_no", "")) if v
    )
    town = " ".join(
        v for v in (values.get(prefix + "zip", ""), values.get(prefix + "city", "")) if v
    )
    lines = [street, town, values.get(prefix + "state", ""), values.get(prefix + "country", "")]
    return "\n".join(line for line in lines if line)


def split_name(full_name: str) -> tuple[str, str, str]:
    """First, middle and last name from one display name ("Ada King Lovelace")."""
    parts = full_name.split()
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return parts[0], "", ""
    return parts[0], " ".join(parts[1:-1]), parts[-1]


def contact_values(
    user, fallback_name: str = "", fallback_email: str = "", record=None
) -> dict[str, str]:
    """``contact:*`` from the requester (a user account; any custom user model fields of
    the allowlist are read too) or, without an account, from the ticket's name and email.
    Fields the account lacks come from the customer ``record`` when it has them (hosts
    often keep salutation, department or phone numbers of the contact person there)."""
    values = {name: read_field(user, name) for name in CONTACT_FIELDS} if user else {}
    if not user:
        first, middle, last = split_name(fallback_name)
        values.update(first_name=first, middle_name=middle, last_name=last)
    if record is not None and not _is_user(record):
        for name in CONTACT_FIELDS:
            if not values.get(name):
                values[name] = read_field(record, name)
    if not values.get("email"):
        values["email"] = as_text(fallback_email)
    if not values.get("formatted_address"):
        values["formatted_address"] = _formatted_address(values)
    if not values.get("initials"):
        names = (values.get(n, "") for n in ("first_name", "middle_name", "last_name"))
        values["initials"] = "".join(f"{n[0].upper()}." for n in names if n)
    for name in ONE_LINE_CONTACT_FIELDS:
        values[name] = one_line(values.get(name, ""), _ONE_LINE_LENGTHS.get(name, MAX_NAME_LENGTH))
    return {f"contact:{name}": values.get(name, "") for name in CONTACT_FIELDS}


def _is_user(obj) -> bool:
    from django.contrib.auth import get_user_model

    return isinstance(obj, get_user_model())


def company_values(customer) -> dict[str, str]:
    """``company:*`` from the customer record, when there is one and it is not simply the
    user account (the default customer model)."""
    if customer is None or _is_user(customer):
        return {f"company:{name}": "" for name in COMPANY_FIELDS}
    values = {name: read_field(customer, name) for name in COMPANY_FIELDS}
    values["id"] = as_text(customer.pk)
    if not values["name"]:
        values["name"] = as_text(str(customer))
    if not values["formatted_address"]:
        values["formatted_address"] = _formatted_address(values)
    if not values["formatted_post_address"]:
        values["formatted_post_address"] = _formatted_address(values, "post_")
    return {f"company:{name}": values[name] for name in COMPANY_FIELDS}


def ticket_values(ticket, requester_name: str) -> dict[str, str]:
    """``ticket:*``: the ticket and the person who opened it."""
    user = ticket.requester
    if user is not None:
        first, middle, last = (
            read_field(user, "first_name"),
            read_field(user, "middle_name"),
            read_field(user, "last_name"),
        )
        if not (first or last):
            first, middle, last = split_name(requester_name)
    else:
        first, middle, last = split_name(requester_name)
    customer = ticket.customer
    company = "" if customer is None or customer == user else as_text(str(customer))
    phone = ""
    for name in ("phone", "work_phone", "cellular", "home_phone"):
        phone = read_field(user, name) or read_field(customer, name)
        if phone:
            break
    return {
        "ticket:ticket_number": ticket.number,
        "ticket:number": ticket.number,
        "ticket:subject": one_line(ticket.subject, MAX_SUBJECT_VALUE_LENGTH),
        "ticket:company": company,
        "ticket:first_name": one_line(first),
        "ticket:middle_name": one_line(middle),
        "ticket:last_name": one_line(last),
        "ticket:email": one_line(getattr(user, "email", "") or ticket.requester_email, 254),
        "ticket:phone": phone,
        "ticket:type": as_text(ticket.ticket_type),
        "ticket:status": as_text(ticket.status),
        "ticket:priority": as_text(ticket.priority),
        "ticket:category": as_text(ticket.category),
        "ticket:target_date": as_text(ticket.target_date),
        "ticket:created": as_text(ticket.created_at),
        # the service-level target due first (``sla_next_due_at``); empty when none runs
        "ticket:due": as_text(ticket.sla_next_due_at),
    }


def substitute(
    template: str,
    values: Mapping[str, str],
    *,
    html_output: bool = False,
    raw_html: Mapping[str, str] | None = None,
    max_length: int = MAX_OUTPUT_LENGTH,
) -> str:
    """Replace ``{name}`` in ``template`` with ``values[name]`` (unknown: empty).

    With ``html_output`` the template text and every value are escaped, their
    ``http(s)://`` addresses become links (``sanitize.linkify_text``, over the template's
    text and values together, so an address built from both is one link) and new lines
    become ``<br>``; names in ``raw_html`` insert that (already sanitised) HTML instead. The
    result is cut at ``max_length`` characters, so no template, however padded, grows
    without bound.
    """
    raw_html = raw_html or {}
    segments: list[tuple[str, bool]] = []  # (text, whether it is HTML already)
    length = 0
    position = 0
    template = template or ""
    for match in VARIABLE.finditer(template):
        segments.append((template[position : match.start()], False))
        name = match.group(1)
        if html_output and name in raw_html:
            segments.append((raw_html[name][:MAX_MESSAGE_LENGTH], True))
        else:
            limit = MAX_MESSAGE_LENGTH if name == "MESSAGE" else MAX_VALUE_LENGTH
            segments.append((str(values.get(name, "") or "")[:limit], False))
        length += len(segments[-2][0]) + len(segments[-1][0])
        position = match.end()
        if length > max_length:  # escaping never shortens: the rest would be cut anyway
            break
    else:
        segments.append((template[position:], False))
    if not html_output:
        return "".join(text for text, _raw in segments)[:max_length]
    pieces: list[str] = []
    run: list[str] = []
    for text, raw in [*segments, ("", True)]:
        if not raw:
            run.append(text)
            continue
        if run:
            pieces.append(linkify_text("".join(run)).replace("\n", "<br>\n"))
            run = []
        pieces.append(text)
    out = "".join(pieces)
    return out if len(out) <= max_length else _cut_html(out, max_length)


def _cut_html(text: str, room: int) -> str:
    """Cut HTML without leaving half a tag or entity behind (the mail stays well formed
    enough for any client; the sanitiser's output has no unclosed comments)."""
    cut = text[:room]
    for opener, closer in (("<", ">"), ("&", ";")):
        start = cut.rfind(opener)
        if start != -1 and cut.find(closer, start) == -1:
            cut = cut[:start]
    return cut
