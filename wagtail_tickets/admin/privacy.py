"""Personal data requests in the admin: start an export or an erasure for a user, a
customer record or an address (superusers only, ``permissions.may_handle_personal_data``),
follow them, and download an export's archive (only the administrator who asked, until
it expires). The work itself runs in the task queue (``tasks.run_personal_data_request``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail.admin.menu import MenuItem

from .. import permissions
from ..models import PersonalDataRequest, Ticket
from ..privacy.erasure import request_erasure
from ..privacy.export import request_export
from ..privacy.person import Person, person_from_options

LISTED = 50


class RequestForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("What to do"), choices=PersonalDataRequest.Action.choices
    )
    user = forms.CharField(label=gettext_lazy("User name or id"), required=False, max_length=150)
    customer = forms.CharField(
        label=gettext_lazy("Customer record id"), required=False, max_length=40
    )
    email = forms.EmailField(label=gettext_lazy("Address (guests)"), required=False)
    full = forms.BooleanField(
        label=gettext_lazy("Export internal notes and ticket history too"), required=False
    )

    def clean(self):
        data = super().clean()
        try:
            data["person"] = person_from_options(
                email=data.get("email") or "",
                user=(data.get("user") or "").strip(),
                customer=(data.get("customer") or "").strip(),
            )
        except ValueError:
            raise forms.ValidationError(
                _("Name exactly one person: a user, a customer record or an address.")
            ) from None
        except LookupError:
            raise forms.ValidationError(_("Nobody matches what you entered.")) from None
        return data


def _require(request: HttpRequest) -> None:
    if not permissions.may_handle_personal_data(request.user):
        raise PermissionDenied


def start(person: Person, action: str, user, *, full: bool = False) -> PersonalDataRequest:
    """Create the request and hand it to the task queue."""
    from ..tasks import queue_personal_data_request

    if action == PersonalDataRequest.Action.EXPORT:
        pdr = request_export(person, requested_by=user, full=full)
    else:
        pdr = request_erasure(person, action, requested_by=user)
    queue_personal_data_request(pdr.pk)
    return pdr


@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = RequestForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        start(
            form.cleaned_data["person"],
            form.cleaned_data["action"],
            request.user,
            full=form.cleaned_data["full"],
        )
        messages.success(request, _("The request has been queued."))
        return redirect("wagtail_tickets_privacy:index")
    rows = PersonalDataRequest.objects.select_related("requested_by").order_by("-created_at", "-pk")
    return TemplateResponse(
        request,
        "wagtail_tickets/admin/privacy.html",
        {
            "form": form,
            "requests": rows[:LISTED],
            "now": timezone.now(),
            "header_icon": "lock",
        },
    )


def download(request: HttpRequest, pk: int) -> HttpResponse:
    """An export's archive, for the administrator who asked, until it expires."""
    _require(request)
    pdr = (
        PersonalDataRequest.objects.filter(
            pk=pk,
            action=PersonalDataRequest.Action.EXPORT,
            requested_by=request.user,
            expires_at__gt=timezone.now(),
        )
        .exclude(archive="")
        .first()
    )
    if pdr is None:
        raise Http404
    try:
        handle = pdr.archive.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"personal-data-{pdr.pk}.zip",
        content_type="application/zip",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def get_urls():
    return [
        path(
            "tickets-privacy/",
            (
                [
                    path("", index, name="index"),
                    path("<int:pk>/download/", download, name="download"),
                ],
                "wagtail_tickets_privacy",
                "wagtail_tickets_privacy",
            ),
        )
    ]


class PrivacyMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.may_handle_personal_data(request.user)


def menu_item() -> MenuItem:
    return PrivacyMenuItem(
        gettext_lazy("Personal data"),
        reverse("wagtail_tickets_privacy:index"),
        icon_name="lock",
        order=900,
    )


# --- deleting a user in Wagtail's admin -------------------------------------------------

CHOICE = "wt_personal_data"
CHOICES = ("anonymise", "delete", "keep")


def before_delete_user(request: HttpRequest, user) -> HttpResponse | None:
    """Deleting a user who opened tickets: first ask what becomes of their tickets
    (anonymise, delete, or keep them without the account), then let the deletion go on."""
    if request.method != "POST" or not permissions.may_handle_personal_data(request.user):
        return None
    if not Ticket.objects.filter(requester=user).exists():
        return None
    choice = request.POST.get(CHOICE, "")
    if choice not in CHOICES:
        return TemplateResponse(
            request,
            "wagtail_tickets/admin/privacy_delete_user.html",
            {"account": user, "choice_name": CHOICE, "header_icon": "lock"},
        )
    if choice != "keep":
        start(Person.for_user(user), choice, request.user)
    return None
