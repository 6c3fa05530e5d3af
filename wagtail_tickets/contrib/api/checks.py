"""System checks of the API sub-app: the ``api`` extra is installed and Django REST
framework's templates can be found (the browsable API needs them)."""

from __future__ import annotations

import importlib.util

from django.apps import apps
from django.core.checks import Error, register

EXTRA_HINT = 'Install the "api" extra: pip install "wagtail-tickets[api]".'


def missing_packages() -> list[str]:
    """The import names of the API's dependencies that are not installed."""
    return [name for name in ("rest_framework", "drf_spectacular") if not _installed(name)]


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@register()
def check_api_dependencies(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    missing = missing_packages()
    if missing:
        errors.append(
            Error(
                f"wagtail_tickets.contrib.api needs {' and '.join(missing)}, which is not "
                "installed.",
                hint=EXTRA_HINT,
                id="wagtail_tickets_api.E001",
            )
        )
    if not apps.is_installed("rest_framework"):
        errors.append(
            Error(
                "wagtail_tickets.contrib.api needs 'rest_framework' in INSTALLED_APPS.",
                hint="Add 'rest_framework' to INSTALLED_APPS (it comes with Wagtail).",
                id="wagtail_tickets_api.E002",
            )
        )
    return errors
