"""Database ids taken from request input: GET parameters of the listings, chooser URLs and
the ids inside rich text. One rule for all of them, checked before any query.

Django's lookups guard a single ``pk=`` against ids beyond a column's range, but not an
``__in`` list: SQLite raises ``OverflowError`` on an integer past 64 bits, and a value
``int()`` accepts but the database does not ("²", "１") fails inside the query. An id here
is therefore ASCII digits only, between 1 and the largest ``BigAutoField`` value; anything
else is "not an id", which the caller answers as an invalid choice (a form error), a
404 or nothing chosen.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator

# the largest BigAutoField value; every id column of the package and of Wagtail fits in it
ID_MAX = 2**63 - 1
_ID_DIGITS = len(str(ID_MAX))


def parse_id(value: object) -> int | None:
    """``value`` as a database id, or ``None`` when it is none: a positive whole number of
    at most 19 ASCII digits (or an ``int``) no larger than ``ID_MAX``. Signs, spaces,
    exponents, other scripts' digits and booleans are not ids."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1 <= value <= ID_MAX else None
    if not isinstance(value, str) or not 0 < len(value) <= _ID_DIGITS:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= ID_MAX else None


def shown_value(value: object) -> str:
    """A refused value as an error message may repeat it: short, whatever was sent."""
    return Truncator(str(value)).chars(40)


class IdChoiceMixin:
    """For a ``ModelChoiceField`` or ``ModelMultipleChoiceField`` over integer ids (also
    django-filter's): a value that is no id (``parse_id``) is the field's usual error
    ("invalid choice" or "not a valid value"), raised before the field queries the
    database with it."""

    def to_python(self, value):
        if isinstance(self, forms.ModelMultipleChoiceField):
            return super().to_python(value)  # through _check_values
        if self._is_refused(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)

    def _is_refused(self, value) -> bool:
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return False
        # django-filter's "no value" choice
        return value != getattr(self, "null_value", None) and parse_id(value) is None

    def _check_values(self, value):
        # the one step of ModelMultipleChoiceField's clean() and to_python() that queries
        for item in value:
            if self._is_refused(item) or item in self.empty_values:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": shown_value(item)},
                )
        return super()._check_values(value)
