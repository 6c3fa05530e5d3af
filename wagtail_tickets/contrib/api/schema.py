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


ERROR_SCHEMA = {
    "type": "object",
    "description": 'What went wrong: {"detail": "..."}, or each field with its messages.',
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}


def document_errors(result, generator=None, request=None, public=None, **kwargs):
    """drf-spectacular postprocessing hook: the error answers every operation can give
    (docs/api.md, "Errors"), so clients and schema-driven tests expect them."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    descriptions = {
        "400": "Invalid parameters or body",
        "401": "Not authenticated",
        "403": "Not allowed",
        "404": "No such object, or not visible to this user",
        "413": "Body too large",
        "415": "Unsupported media type",
        "429": "Over the rate limit (see Retry-After)",
    }
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["401", "403", "429"]
            if operation.get("parameters") or "requestBody" in operation:
                codes.append("400")
            if "{" in path:
                codes.append("404")
            if "requestBody" in operation:
                codes += ["413", "415"]
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": descriptions[code], **error}
                )
    return result
