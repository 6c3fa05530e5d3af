"""What every listing of the package's admin shares: Wagtail's index view with a search
term of bounded length. Filters on ids check their values with ``ids.IdChoiceMixin``.

A bad search term or filter value is a form error shown on the listing (status 200), as
Wagtail's own listings answer an unknown choice; it never reaches the database as is.
"""

from __future__ import annotations

from django import forms
from wagtail.admin.forms.search import SearchForm
from wagtail.admin.views import generic

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
