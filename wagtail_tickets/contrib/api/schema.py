"""The OpenAPI schema: drf-spectacular's inspector, and the hook that keeps the schema to
this app's endpoints whatever else the site serves."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from .checks import EXTRA_HINT

try:
    from drf_spectacular.openapi import AutoSchema as _AutoSchema
except ImportError as exc:  # pragma: no cover (the system check says it too)
    raise ImproperlyConfigured(
        f"wagtail_tickets.contrib.api needs drf-spectacular. {EXTRA_HINT}"
    ) from exc

MODULE = __name__.rsplit(".", 1)[0]


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class AutoSchema(_AutoSchema):
    pass


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = f"{MODULE}.rest.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "wt_<prefix>_<secret>"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = f"{MODULE}.rest.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def only_ticket_endpoints(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: this app's views only."""
    return [
        endpoint
        for endpoint in endpoints
        if getattr(getattr(endpoint[3], "cls", None), "__module__", "").startswith(MODULE)
    ]


def documented(**kwargs):
    """``extend_schema`` on a view method, based on this app's ``AutoSchema`` whatever the
    site's ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` says."""
    from drf_spectacular.utils import extend_schema

    def decorator(method):
        method.schema = AutoSchema  # the decorator builds on an explicitly set schema
        return extend_schema(**kwargs)(method)

    return decorator
