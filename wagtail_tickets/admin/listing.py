"""What every listing of the package's admin shares: Wagtail's index view with a search
term of bounded length. Filters on ids check their values with ``ids.IdChoiceMixin``.

A bad search term or filter value is a form error shown on the listing (status 200), as
Wagtail's own listings answer an unknown choice; it never reaches the database as is.
"""

from __future__ import annotations

from django import forms
from django.urls import path
from django.utils import formats, timezone
from wagtail.admin.forms.search import SearchForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

# what a listing or a detail view shows for a time or value that is not there
MISSING = "—"
# longer than anyone types; SQLite refuses LIKE patterns past 50,000 bytes with an error
MAX_SEARCH_LENGTH = 255


class BoundedSearchForm(SearchForm):
    """Wagtail's search box, at most ``MAX_SEARCH_LENGTH`` characters (a longer term is
    the field's error and the listing is not searched)."""

    q = forms.CharField(
        label=SearchForm.base_fields["q"].label,
        widget=forms.TextInput(),
        required=False,
        max_length=MAX_SEARCH_LENGTH,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wagtail's form replaces the widget's attributes, dropping the length
        self.fields["q"].widget.attrs["maxlength"] = str(MAX_SEARCH_LENGTH)


class BoundedSearchMixin:
    """For a Wagtail ``IndexView``: its search box is a ``BoundedSearchForm``."""

    def get_search_form(self) -> BoundedSearchForm | None:
        if not self.is_searchable:
            return None
        if self.search_kwarg in self.request.GET:
            return BoundedSearchForm(self.request.GET)
        return BoundedSearchForm()


class IndexView(BoundedSearchMixin, generic.IndexView):
    """The index view of the package's model viewsets."""


class ReadOnlyLogViewSet(ModelViewSet):
    """A Wagtail viewset for a log the package writes (the outbox, webhook deliveries):
    listed and inspected, retried with the "change" permission, never added, edited,
    copied or deleted by hand. Subclasses add their retry URLs to ``get_urlpatterns``."""

    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    add_to_settings_menu = True

    def get_permissions_to_register(self):
        # "view" to read the log, "change" to retry; rows are never added or deleted
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        name = self.model._meta.model_name
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(self.model),
            codename__in=[f"view_{name}", f"change_{name}"],
        )

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in (
            "add_url_name",
            "edit_url_name",
            "delete_url_name",
            "copy_url_name",
            "history_url_name",
            "usage_url_name",
        ):
            view_kwargs[name] = None
        return view_kwargs

    def log_urlpatterns(self) -> list:
        """The listing and one row's page."""
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
        ]


def local_datetime(value) -> str:
    """A stored time as the workspace shows it: in the current time zone, in the locale's
    short format; ``MISSING`` when there is none."""
    if value is None:
        return MISSING
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")


class LocalTimeColumn(Column):
    """A time in the user's time zone and the locale's format (not "5 minutes ago", which
    cannot say when a retry is due), "—" when there is none."""

    def get_value(self, instance):
        return local_datetime(super().get_value(instance))
