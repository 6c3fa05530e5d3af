"""Choice widgets of the inbox filters and ticket forms, written out in Python.

Django renders a checkbox list through three templates per option and builds a dictionary
of attributes for each; the inbox's filters have dozens of options (statuses, types,
agents) and are on every inbox page, so these widgets write the same markup straight from
their choices, through ``markup.Html`` (every label, value and attribute escaped). They
carry the names of Django's widgets: Wagtail styles a field by the name of its widget's
class (``w-field--select``)."""

from __future__ import annotations

from django import forms
from django.utils.safestring import SafeString

from .markup import EMPTY, Html, join
from .markup import attrs as html_attrs

OPTION = Html(
    '<div><label{label_attrs}><input type="{type}" name="{name}" value="{value}"'
    "{extra}{input_attrs}> {label}</label></div>"
)
GROUP = Html("<div><label>{group}</label>{options}</div>")
CHOICE_LIST = Html("<div{attrs}>{groups}</div>")
SELECT_OPTION = Html('<option value="{value}"{selected}>{label}</option>')
OPTGROUP = Html('<optgroup label="{group}">{options}</optgroup>')
SELECT = Html('<select name="{name}"{attrs}>{options}</select>')
SELECTED = SafeString(" selected")


def grouped(choices) -> list[tuple[str | None, list]]:
    """Choices as ``[(group label or None, [(value, label), ...]), ...]``."""
    groups: list[tuple[str | None, list]] = []
    for value, label in choices:
        if isinstance(label, list | tuple):
            groups.append((str(value), list(label)))
        else:
            groups.append((None, [(value, label)]))
    return groups


def _text(value) -> str:
    return "" if value is None else str(value)


class ChoiceListMixin:
    """Checkboxes or radio buttons, grouped like the choices, with the ids Django gives
    them (``id_status_0``, ``id_type_1_0`` in a group). ``option_title`` may give an
    option a text shown on hover."""

    def option_title(self, value: str) -> str:
        return ""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        base_id = final.get("id")
        chosen = {_text(v) for v in self.format_value(value)}
        extra = html_attrs({k: v for k, v in final.items() if k not in ("id", "class")})
        groups = []
        for index, (group, options) in enumerate(grouped(self.choices)):
            items = []
            for subindex, (option_value, label) in enumerate(options):
                option_value = _text(option_value)
                option_id = (
                    None
                    if not base_id
                    else f"{base_id}_{index}_{subindex}"
                    if group is not None
                    else f"{base_id}_{index}"
                )
                title = self.option_title(option_value) or None
                items.append(
                    OPTION(
                        label_attrs=html_attrs({"for": option_id, "title": title}),
                        type=self.input_type,
                        name=name,
                        value=option_value,
                        extra=extra,
                        input_attrs=html_attrs(
                            {"id": option_id, "checked": option_value in chosen}
                        ),
                        label=_text(label),
                    )
                )
            options_html = join(items)
            groups.append(
                options_html if group is None else GROUP(group=group, options=options_html)
            )
        outer = html_attrs({"id": base_id, "class": final.get("class")})
        return CHOICE_LIST(attrs=outer, groups=join(groups))


class CheckboxSelectMultiple(ChoiceListMixin, forms.CheckboxSelectMultiple):
    pass


class RadioSelect(ChoiceListMixin, forms.RadioSelect):
    pass


class TitledCheckboxSelectMultiple(CheckboxSelectMultiple):
    """Checkboxes whose labels show a description on hover (the types' descriptions)."""

    def __init__(self, *args, titles: dict[str, str] | None = None, **kwargs):
        self.titles = titles or {}
        super().__init__(*args, **kwargs)

    def option_title(self, value: str) -> str:
        return self.titles.get(value, "")


class Select(forms.Select):
    """A select element, options grouped like the choices."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {_text(v) for v in self.format_value(value)}
        groups = []
        for group, options in grouped(self.choices):
            items = join(
                SELECT_OPTION(
                    value=_text(option_value),
                    selected=SELECTED if _text(option_value) in chosen else EMPTY,
                    label=_text(label),
                )
                for option_value, label in options
            )
            groups.append(items if group is None else OPTGROUP(group=group, options=items))
        return SELECT(name=name, attrs=html_attrs(final), options=join(groups))
