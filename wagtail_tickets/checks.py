"""System checks: catch a broken configuration at startup, not at the first ticket."""

from django.core.checks import Error, Tags, register

from .conf import app_settings
from .numbering import format_fields


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
    if app_settings.SANITIZER == "nh3":
        try:
            import nh3  # noqa: F401
        except ImportError:
            return [
                Error(
                    "WAGTAIL_TICKETS['SANITIZER'] is 'nh3' but nh3 is not installed.",
                    hint="nh3 is a dependency of wagtail-tickets: pip install 'nh3>=0.2.17'",
                    id="wagtail_tickets.E003",
                )
            ]
    return []


# Checks of the external page live beside the code they guard; importing registers them.
from .external import framing as _external_framing  # noqa: E402,F401
