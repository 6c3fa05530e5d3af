"""Choice widgets of the inbox filters, written out in Python.

Django renders a checkbox list through three templates per option; the inbox's filters
have dozens of options (statuses, types, agents) and are on every inbox page, so these
widgets build the same markup with ``format_html`` instead."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def html_attrs(attrs: dict) -> SafeString:
    """``attrs`` as HTML attributes: ``True`` gives a bare name, ``False``/``None`` nothing."""
    return mark_safe(
        "".join(
            format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
            for name, value in attrs.items()
            if value is not False and value is not None
        )
    )


class ChoiceListMixin:
    """Checkboxes or radio buttons, grouped like the choices; an option's ``title`` (set by
    ``create_option``) shows on hover."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group, options, _index in widget["optgroups"]:
            items = format_html_join(
                "",
                '<div><label{}{}><input type="{}" name="{}" value="{}"{}> {}</label></div>',
                (
                    (
                        format_html(' for="{}"', option["attrs"]["id"])
                        if option["attrs"].get("id")
                        else "",
                        format_html(' title="{}"', option["title"]) if option.get("title") else "",
                        option["type"],
                        option["name"],
                        "" if option["value"] is None else str(option["value"]),
                        html_attrs(option["attrs"]),
                        option["label"],
                    )
                    for option in options
                ),
            )
            groups.append(
                format_html("<div><label>{}</label>{}</div>", group, items) if group else items
            )
        outer = {"id": widget["attrs"].get("id"), "class": widget["attrs"].get("class")}
        return format_html("<div{}>{}</div>", html_attrs(outer), mark_safe("".join(groups)))


class CheckboxList(ChoiceListMixin, forms.CheckboxSelectMultiple):
    pass


class RadioList(ChoiceListMixin, forms.RadioSelect):
    pass


class FastSelect(forms.Select):
    """A select element, options grouped like the choices."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group, options, _index in widget["optgroups"]:
            items = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (
                        "" if option["value"] is None else str(option["value"]),
                        " selected" if option["selected"] else "",
                        option["label"],
                    )
                    for option in options
                ),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group, items) if group else items
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            html_attrs(widget["attrs"]),
            mark_safe("".join(parts)),
        )
