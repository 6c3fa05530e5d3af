"""The customer area's "API tokens" page, inside the site's own template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from wagtail_tickets.views.base import customer_view, render_customer

from . import tokens
from .admin import handle_token_post
from .forms import TokenForm

TEMPLATE = "wagtail_tickets_api/customer/tokens.html"


@customer_view
@require_http_methods(["GET", "HEAD", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    form, new = TokenForm(), None
    if request.method == "POST":
        form, new = handle_token_post(request)
        if new is None and not form.errors:
            return redirect("wagtail_tickets_api:account_tokens")
    return render_customer(
        request,
        TEMPLATE,
        {"form": form, "new_token": new, "tokens": tokens.active_tokens(request.user)},
    )
