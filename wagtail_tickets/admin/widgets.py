"""Choice widgets of the inbox filters, written out in Python.

Django renders a checkbox list through three templates per option and builds a dictionary
of attributes for each; the inbox's filters have dozens of options (statuses, types,
agents) and are on every inbox page, so these widgets write the same markup straight from
their choices. They carry the names of Django's widgets: Wagtail styles a field by the name
of its widget's class (``w-field--select``)."""

from __future__ import annotations

from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe


def html_attrs(attrs: dict) -> str:
    """``attrs`` as HTML attributes: ``True`` gives a bare name, ``False``/``None`` nothing."""
    return "".join(
        f" {escape(str(name))}" if value is True else f' {escape(str(name))}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )


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
        parts = []
        for index, (group, options) in enumerate(grouped(self.choices)):
            items = []
            for subindex, (option_value, label) in enumerate(options):
                option_value = _text(option_value)
                option_id = (
                    ""
                    if not base_id
                    else f"{base_id}_{index}_{subindex}"
                    if group is not None
                    else f"{base_id}_{index}"
                )
                title = self.option_title(option_value)
                items.append(
                    '<div><label{for_}{title}><input type="{type}" name="{name}" '
                    'value="{value}"{extra}{id}{checked}> {label}</label></div>'.format(
                        for_=f' for="{escape(option_id)}"' if option_id else "",
                        title=f' title="{escape(title)}"' if title else "",
                        type=self.input_type,
                        name=escape(name),
                        value=escape(option_value),
                        extra=extra,
                        id=f' id="{escape(option_id)}"' if option_id else "",
                        checked=" checked" if option_value in chosen else "",
                        label=escape(_text(label)),
                    )
                )
            joined = "".join(items)
            parts.append(
                f"<div><label>{escape(group)}</label>{joined}</div>"
                if group is not None
                else joined
            )
        outer = html_attrs({"id": base_id, "class": final.get("class")})
        return mark_safe(f"<div{outer}>{''.join(parts)}</div>")


class CheckboxSelectMultiple(ChoiceListMixin, forms.CheckboxSelectMultiple):
    pass


class RadioSelect(ChoiceListMixin, forms.RadioSelect):
    pass


class Select(forms.Select):
    """A select element, options grouped like the choices."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = {_text(v) for v in self.format_value(value)}
        parts = []
        for group, options in grouped(self.choices):
            items = "".join(
                '<option value="{value}"{selected}>{label}</option>'.format(
                    value=escape(_text(option_value)),
                    selected=" selected" if _text(option_value) in chosen else "",
                    label=escape(_text(label)),
                )
                for option_value, label in options
            )
            parts.append(
                f'<optgroup label="{escape(group)}">{items}</optgroup>'
                if group is not None
                else items
            )
        return mark_safe(
            f'<select name="{escape(name)}"{html_attrs(final)}>{"".join(parts)}</select>'
        )
