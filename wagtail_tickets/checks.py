"""System checks: catch a broken configuration at startup, not at the first ticket."""

from collections.abc import Mapping
from difflib import get_close_matches

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .conf import app_settings, option_names
from .numbering import format_fields

# Longest part of an unknown key compared with the known names (difflib's matching grows
# with the product of the lengths).
_MATCHED_KEY_LENGTH = 64


@register(Tags.compatibility)
def check_option_names(app_configs, **kwargs) -> list[CheckMessage]:
    """``WAGTAIL_TICKETS`` is a dictionary of known options: a misspelt key would
    otherwise leave its option at the default without a word (W001, with the closest known
    name). ``CUSTOMERS_MAY_CLOSE`` only seeds the ticket options' field (W002)."""
    options = getattr(settings, "WAGTAIL_TICKETS", None)
    if options is None:
        return []
    if not isinstance(options, Mapping):
        return [
            Error(
                "WAGTAIL_TICKETS must be a dictionary of options; it is ignored.",
                hint='For example WAGTAIL_TICKETS = {"PAGE_SIZE": 50}.',
                id="wagtail_tickets.E004",
            )
        ]
    known = option_names()
    found: list[CheckMessage] = []
    for key in options:
        if isinstance(key, str) and key in known:
            continue
        name = str(key)[:_MATCHED_KEY_LENGTH]
        close = get_close_matches(name.upper(), sorted(known), n=1)
        found.append(
            Warning(
                f"WAGTAIL_TICKETS[{name!r}] is not an option of wagtail-tickets; it is ignored.",
                hint=(
                    f"Did you mean {close[0]!r}?"
                    if close
                    else "The options are listed in the README (Options)."
                ),
                id="wagtail_tickets.W001",
            )
        )
    if "CUSTOMERS_MAY_CLOSE" in options:
        found.append(
            Warning(
                "WAGTAIL_TICKETS['CUSTOMERS_MAY_CLOSE'] is deprecated: it only gives "
                '"customers may close their tickets" its first value, on a site whose ticket '
                "options were never stored. A stored value always wins.",
                hint="Administrators change it in Settings → Ticket options; remove the key.",
                id="wagtail_tickets.W002",
            )
        )
    return found


@register(Tags.compatibility)
def check_option_values(app_configs, **kwargs) -> list[CheckMessage]:
    """Every option can be read: a value of the wrong type, a network that is no network or
    a mail authentication mode without its server's id fails here, at startup, instead of
    in the first request or mail import that reads it (E005)."""
    options = getattr(settings, "WAGTAIL_TICKETS", None)
    if not isinstance(options, Mapping):
        return []
    found: list[CheckMessage] = []
    for name in sorted(option_names() & set(options)):
        try:
            getattr(app_settings, name)
        except (ImproperlyConfigured, TypeError, ValueError) as exc:
            found.append(
                Error(
                    f"WAGTAIL_TICKETS[{name!r}] is invalid: {exc}",
                    hint="The options and their values are listed in the README (Options).",
                    id="wagtail_tickets.E005",
                )
            )
    return found


@register(Tags.compatibility)
def check_number_format(app_configs, **kwargs):
    try:
        format_fields(app_settings.NUMBER_FORMAT)
    except ValueError as exc:
        return [
            Error(
                f"WAGTAIL_TICKETS['NUMBER_FORMAT'] is invalid: {exc}",
                hint="Use {seq} with optional {year}, {year2} and {month}: '{year2}{seq:04d}'.",
                id="wagtail_tickets.E001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_sanitizer(app_configs, **kwargs):
    if app_settings.SANITIZER not in ("bleach", "nh3"):
        return [
            Error(
                "WAGTAIL_TICKETS['SANITIZER'] must be 'bleach' or 'nh3'.",
                id="wagtail_tickets.E002",
            )
        ]
    return []


# Checks of the external page live beside the code they guard; importing registers them.
from .external import framing as _external_framing  # noqa: E402,F401
