"""What every API view shares: who is asking (a token or the session), how often they may
ask, which formats they get, and how refusals read. Views set these themselves, so a
site's own ``REST_FRAMEWORK`` defaults change nothing here."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView, exception_handler

from wagtail_tickets import uploads
from wagtail_tickets.conf import app_settings

from . import tokens
from .schema import AutoSchema

KEYWORD = "Bearer"


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer wt_…``: a personal token made in the user's account."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        found = tokens.authenticate(raw)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        return found

    def authenticate_header(self, request) -> str:
        return KEYWORD


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in user of the site, for pages of the same origin; writes need Django's
    CSRF token (the ``X-CSRFToken`` header)."""


class ApiRateThrottle(SimpleRateThrottle):
    """``API_RATE`` requests per token (or per session user, or per client address
    before anyone is known), counted in Django's cache."""

    scope = "wagtail_tickets_api"

    def get_rate(self) -> str:
        return "unused"  # parse_rate reads the option

    def parse_rate(self, rate):
        count, seconds = app_settings.API_RATE
        return (count, seconds) if count > 0 else (None, None)

    def allow_request(self, request, view) -> bool:
        self.num_requests, self.duration = self.parse_rate(None)
        if self.num_requests is None:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        token = request.auth
        if isinstance(token, tokens.ApiToken):
            ident = f"token-{token.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"addr-{self.get_ident(request)}"
        return f"wagtail_tickets_api:{ident}"


def handle_exception(exc, context):
    """DRF's answers, plus a Django ``ValidationError`` (raised by ``actions``) as 400
    with its messages, never a 500."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"non_field_errors": exc.messages})
    return exception_handler(exc, context)


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class ApiView(APIView):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiRateThrottle]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    parser_classes = [JSONParser]
    content_negotiation_class = DefaultContentNegotiation
    versioning_class = None
    schema = AutoSchema()

    def get_exception_handler(self):
        return handle_exception

    def initial(self, request, *args, **kwargs):
        # a JSON body is read whole: refuse a large one before anything reads it
        if uploads.declared_length(request._request) > uploads.text_limit():
            if not request.content_type.startswith("multipart/"):
                raise PayloadTooLarge
        super().initial(request, *args, **kwargs)


class UploadView(ApiView):
    """A view whose POST may carry files (``multipart/form-data``): the body limits of
    ``uploads`` are in place before the body is read, after the checks that need none."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        django_request = request._request
        multipart = request.method == "POST" and request.content_type.startswith("multipart/")
        if multipart:
            if authentication.get_authorization_header(request):
                # a token reads no body: a wrong one is refused before the body is read
                request.user  # noqa: B018
            elif not getattr(getattr(django_request, "user", None), "is_authenticated", False):
                return super().initial(request, *args, **kwargs)  # refused unread
            # the session's CSRF check reads the form, so the limits go first
            refusal = uploads.receive(django_request)
            if refusal is not None:
                exc = PayloadTooLarge(refusal.message)
                exc.status_code = refusal.status
                raise exc
        super().initial(request, *args, **kwargs)
