"""Django's authentication views with the package's templates, inside the site's
``CUSTOMER_BASE_TEMPLATE``, and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from .. import links, permissions
from ..conf import app_settings
from ..customer_area import build_menu
from ..external import throttle
from ..views.base import render_customer
from .forms import PasswordResetForm

TEMPLATES = "wagtail_tickets/accounts/"
ACCOUNT_URL = reverse_lazy("wagtail_tickets_accounts:account")
LOGIN_URL = reverse_lazy("wagtail_tickets_accounts:login")
# (failed logins, seconds) from one client address; past it the form refuses to check
# passwords until the window ends
LOGIN_FAILURE_LIMIT = (30, 600)
# the account page lists the menu without these, which are its own sections
OWN_ITEMS = {"account", "logout", "login"}


class InCustomerArea:
    """Render inside the site's frame, as every customer-area page does; no PUT (Django's
    form views take it as a POST)."""

    http_method_names = ["get", "post", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wagtail_tickets_base_template"] = app_settings.CUSTOMER_BASE_TEMPLATE
        return context


class LoginView(InCustomerArea, auth_views.LoginView):
    template_name = TEMPLATES + "login.html"
    redirect_authenticated_user = True
    next_page = ACCOUNT_URL

    def post(self, request, *args, **kwargs):
        client = throttle.client_address(request)
        if throttle.exceeded("login_failures", client, LOGIN_FAILURE_LIMIT):
            context = self.get_context_data(form=self.form_class(request), too_many_attempts=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.hit("login_failures", throttle.client_address(self.request), LOGIN_FAILURE_LIMIT)
        return super().form_invalid(form)


class LogoutView(InCustomerArea, auth_views.LogoutView):
    """GET asks (a link cannot log anyone out), POST logs out and goes to the login page."""

    http_method_names = ["get", "post", "options"]
    template_name = TEMPLATES + "logout.html"
    next_page = LOGIN_URL

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return auth_views.redirect_to_login(ACCOUNT_URL, LOGIN_URL)
        return TemplateResponse(request, self.template_name, self.get_context_data())

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, _("You have been logged out."))
        return response


class PasswordChangeView(InCustomerArea, auth_views.PasswordChangeView):
    template_name = TEMPLATES + "password_change.html"
    success_url = ACCOUNT_URL

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(InCustomerArea, auth_views.PasswordResetView):
    template_name = TEMPLATES + "password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("wagtail_tickets_accounts:password_reset_done")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["client"] = throttle.client_address(self.request)
        return kwargs

    def form_valid(self, form):
        request = self.request
        # the link's host: BASE_URL where the site has one, so that a forged Host header
        # never reaches the mail
        base_url = app_settings.BASE_URL or links.site_base_url(request)
        site = Site.find_for_request(request)
        form.queue(
            base_url=base_url,
            site_name=(site.site_name if site else "") or urlsplit(base_url).netloc,
            language=translation.get_language() or "",
        )
        return super(auth_views.PasswordResetView, self).form_valid(form)


class PasswordResetDoneView(InCustomerArea, auth_views.PasswordResetDoneView):
    template_name = TEMPLATES + "password_reset_sent.html"


class PasswordResetConfirmView(InCustomerArea, auth_views.PasswordResetConfirmView):
    template_name = TEMPLATES + "password_reset_confirm.html"
    success_url = reverse_lazy("wagtail_tickets_accounts:password_reset_complete")


class PasswordResetCompleteView(InCustomerArea, auth_views.PasswordResetCompleteView):
    template_name = TEMPLATES + "password_reset_complete.html"


@login_required
@require_http_methods(["GET", "HEAD"])
def account(request: HttpRequest) -> HttpResponse:
    """The account page: the customer-area menu, the user's ticket views and account links."""
    user = request.user
    items = [item for item in build_menu(request) if item.name not in OWN_ITEMS]
    return render_customer(
        request,
        TEMPLATES + "account.html",
        {
            "items": items,
            "can_create": permissions.can_create(user),
            "show_company": permissions.has_company(user),
            "show_shared": permissions.has_shared(user),
            "has_password": user.has_usable_password(),
        },
    )
