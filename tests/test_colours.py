"""Text on administrators' colours stays readable: black or white by computed contrast."""

from __future__ import annotations

import itertools

import pytest
from django.template import Context, Template

from wagtail_tickets.admin.inbox_columns import colour_style
from wagtail_tickets.colours import contrast_ratio, relative_luminance, text_colour_on


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # white on the seeded "In progress" orange: the pill the audit found at 3.08:1
    assert contrast_ratio("#ffffff", "#ef6c00") == pytest.approx(3.08, abs=0.01)


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#ef6c00", "#000000"),  # In progress
        ("#2e7d32", "#ffffff"),  # Closed
        ("#1565c0", "#ffffff"),  # Open
        ("#6a1b9a", "#ffffff"),  # Report
        ("#00838f", "#000000"),  # Answer
        ("#f9a825", "#000000"),
        ("#000000", "#ffffff"),
        ("#FFFFFF", "#000000"),
    ],
)
def test_text_colour_is_the_one_with_more_contrast(background, text):
    assert text_colour_on(background) == text


def test_every_colour_gets_at_least_aa_contrast():
    steps = range(0, 256, 15)
    for red, green, blue in itertools.product(steps, steps, steps):
        background = f"#{red:02x}{green:02x}{blue:02x}"
        assert contrast_ratio(background, text_colour_on(background)) >= 4.5, background


@pytest.mark.parametrize("value", ["", None, "red", "#fff", "#12345g", "#123456; color: red"])
def test_anything_but_a_hex_colour_gets_white_and_no_error(value):
    assert text_colour_on(value) == "#ffffff"
    with pytest.raises(ValueError):
        relative_luminance(value)


def test_template_filter_and_inbox_cell_use_the_same_rule():
    template = Template("{% load wagtail_tickets_tags %}{{ c|wt_text_colour }}")
    assert template.render(Context({"c": "#ef6c00"})) == "#000000"
    assert template.render(Context({"c": "#2e7d32"})) == "#ffffff"
    assert template.render(Context({"c": "bogus"})) == "#ffffff"
    assert "--wt-on-colour: #000000" in colour_style("#ef6c00")
    assert colour_style("red; x: y") == ""
