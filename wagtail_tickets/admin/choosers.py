"""A chooser for the requester when an agent opens a ticket on a customer's behalf.

Wagtail has no user chooser of its own; this one lists active users, searches them by name,
username or email in the database, and is open to agents only (it shows addresses)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from .. import permissions
from ..ids import parse_id
from ..models.tickets import agent_name
from .forms import person_label


class UserSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, username or email")}),
    )

    def filter(self, objects):
        term = (self.cleaned_data.get("q") or "").strip()
        if term:
            self.is_searching = True
            self.search_query = term
            objects = objects.filter(
                Q(username__icontains=term)
                | Q(email__icontains=term)
                | Q(first_name__icontains=term)
                | Q(last_name__icontains=term)
            )
        return objects


class AgentsOnlyMixin:
    filter_form_class = UserSearchForm
    ordering = ("first_name", "last_name", "pk")

    def dispatch(self, request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_object_list(self):
        return get_user_model()._default_manager.filter(is_active=True)

    @property
    def columns(self):
        return [
            TitleColumn(
                "name",
                label=_("Name"),
                accessor=agent_name,
                get_url=lambda user: self.append_preserved_url_parameters(
                    reverse(self.chosen_url_name, args=(user.pk,))
                ),
                link_attrs={"data-chooser-modal-choice": True},
            ),
            Column("email", label=_("Email")),
            Column("username", label=_("Username"), accessor=lambda user: user.get_username()),
        ]


class RequesterChooseView(AgentsOnlyMixin, chooser_views.ChooseView):
    pass


class RequesterChooseResultsView(AgentsOnlyMixin, chooser_views.ChooseResultsView):
    pass


class RequesterChosenView(AgentsOnlyMixin, chooser_views.ChosenView):
    def get_object(self, pk):
        user_id = parse_id(pk)
        if user_id is None:
            raise get_user_model().DoesNotExist
        return self.get_object_list().get(pk=user_id)

    def get_display_title(self, instance):
        return person_label(instance)


class RequesterChosenMultipleView(AgentsOnlyMixin, chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        ids = {parse_id(pk) for pk in pks} - {None}
        return self.get_object_list().filter(pk__in=ids)

    def get_display_title(self, instance):
        return person_label(instance)


class RequesterChooser(BaseChooser):
    """The chooser field: shows "Name <address>"; a value that is no user id (a forged or
    stale form) shows as nothing chosen instead of failing."""

    def get_instance(self, value):
        if value is None or isinstance(value, self.model_class):
            return value
        user_id = parse_id(value)
        if user_id is None:
            return None
        return self.model_class._default_manager.filter(pk=user_id, is_active=True).first()

    def get_display_title(self, instance):
        return person_label(instance)


class RequesterChooserViewSet(ChooserViewSet):
    model = get_user_model()
    icon = "user"
    choose_one_text = _("Choose a requester")
    choose_another_text = _("Choose another requester")
    edit_item_text = _("Edit")  # lazy: Wagtail's default is translated once at import time
    choose_view_class = RequesterChooseView
    choose_results_view_class = RequesterChooseResultsView
    chosen_view_class = RequesterChosenView
    chosen_multiple_view_class = RequesterChosenMultipleView
    register_widget = False
    base_widget_class = RequesterChooser
    per_page = 20


requester_chooser_viewset = RequesterChooserViewSet("wagtail_tickets_requester_chooser")
