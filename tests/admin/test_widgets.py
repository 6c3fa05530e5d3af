"""The inbox's filter widgets write the markup Django's own widgets render (ids, groups,
checked options), escaped, without Django's per-option templates."""

from __future__ import annotations

import re

import pytest
from django import forms

from wagtail_tickets.admin import widgets

CHOICES = [
    ("", "Any"),
    ("Group <1>", [("1", 'One & "<b>"'), ("2", "Two")]),
    ("3", "<script>alert(1)</script>"),
]


def tidy(html: str) -> str:
    """Markup without the white space Django's templates put around tags."""
    return re.sub(r"\s*(<[^>]+>)\s*", r"\1", str(html)).strip()


@pytest.mark.parametrize(
    "ours,django_widget,value",
    [
        (widgets.CheckboxSelectMultiple, forms.CheckboxSelectMultiple, ["2", "3"]),
        (widgets.RadioSelect, forms.RadioSelect, "1"),
        (widgets.Select, forms.Select, "3"),
    ],
)
def test_same_markup_as_django(ours, django_widget, value):
    attrs = {"id": "id_f"}
    expected = django_widget(choices=CHOICES).render("f", value, attrs=attrs)
    written = ours(choices=CHOICES).render("f", value, attrs=attrs)
    assert tidy(written) == tidy(expected)
    assert "<script>" not in written and "&lt;script&gt;" in written


def test_nothing_chosen_and_no_id():
    html = widgets.CheckboxSelectMultiple(choices=[("1", "One")]).render("f", None)
    option = '<input type="checkbox" name="f" value="1">'
    assert html == f"<div><div><label>{option} One</label></div></div>"
