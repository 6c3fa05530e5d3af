"""The "Ticket types" panel on Wagtail's own group edit page (Settings > Groups).

Administrators choose one level per ticket type for the group (none, read, create, write,
delete, manage); the levels are stored as ``TypePermission`` rows, one per group and type.
Built like Wagtail's collection permission panels: a formset with ``as_admin_panel()``,
returned by the ``register_group_permission_panel`` hook. The rules the levels grant live in
``permissions.py``; this panel only edits them.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from ..models import TicketType, TypePermission

NONE = ""
LEVEL_CHOICES = [(NONE, _("None")), *TypePermission.Level.choices]
SHORT_LABELS = {
    NONE: _("None"),
    TypePermission.Level.READ: _("Read"),
    TypePermission.Level.CREATE: _("Create"),
    TypePermission.Level.WRITE: _("Write"),
    TypePermission.Level.DELETE: _("Delete"),
    TypePermission.Level.MANAGE: _("Manage"),
}


class TicketTypePermissionForm(forms.Form):
    """One row of the panel: a ticket type and the group's level on it."""

    ticket_type = forms.ModelChoiceField(
        queryset=TicketType.objects.all(), widget=forms.HiddenInput, label=_("Ticket type")
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class BaseTicketTypePermissionFormSet(forms.BaseFormSet):
    """One form per ticket type, prefilled with the group's current levels."""

    default_prefix = "ticket_type_permissions"
    template = "wagtail_tickets/admin/permissions/ticket_type_permissions.html"

    def __init__(self, data=None, files=None, instance: Group | None = None, prefix=None):
        self.instance = instance if instance is not None else Group()
        self.ticket_types = list(TicketType.objects.select_related("group"))
        current: dict[int, int] = {}
        if self.instance.pk is not None:
            current = dict(
                self.instance.ticket_type_permissions.values_list("ticket_type_id", "level")
            )
        initial = [
            {"ticket_type": ticket_type, "level": current.get(ticket_type.pk, NONE)}
            for ticket_type in self.ticket_types
        ]
        super().__init__(data, files, initial=initial, prefix=prefix or self.default_prefix)

    @property
    def level_columns(self) -> list[tuple[str, str, str]]:
        """``(value, short label, long label)`` for the column headers."""
        return [(str(value), SHORT_LABELS[value], label) for value, label in LEVEL_CHOICES]

    def rows(self):
        """``(form, ticket type)`` pairs, without a query per row; a row whose submitted
        type is unknown comes with ``None`` (and its form with an error)."""
        by_pk = {str(ticket_type.pk): ticket_type for ticket_type in self.ticket_types}
        for form in self.forms:
            yield form, by_pk.get(str(form["ticket_type"].value()))

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            ticket_type = form.cleaned_data.get("ticket_type")
            if ticket_type is None:
                continue
            if ticket_type.pk in seen:
                raise forms.ValidationError(
                    _("A ticket type can only have one level per group."), code="duplicate"
                )
            seen.add(ticket_type.pk)

    @transaction.atomic
    def save(self) -> None:
        """Write the chosen levels: one row per type with a level, none for "None".
        Types not in the submitted panel (created meanwhile) keep what they had."""
        if self.instance.pk is None:
            raise ValueError("Save the group before its ticket type permissions.")
        chosen = {
            form.cleaned_data["ticket_type"].pk: form.cleaned_data.get("level")
            for form in self.forms
            if form.cleaned_data.get("ticket_type") is not None
        }
        existing = {
            permission.ticket_type_id: permission
            for permission in self.instance.ticket_type_permissions.filter(
                ticket_type_id__in=chosen
            )
        }
        removed = [pk for pk, level in chosen.items() if level is None and pk in existing]
        TypePermission.objects.filter(group=self.instance, ticket_type_id__in=removed).delete()
        changed = []
        created = []
        for pk, level in chosen.items():
            if level is None:
                continue
            if pk in existing:
                if existing[pk].level != level:
                    existing[pk].level = level
                    changed.append(existing[pk])
            else:
                created.append(TypePermission(group=self.instance, ticket_type_id=pk, level=level))
        TypePermission.objects.bulk_update(changed, ["level"])
        TypePermission.objects.bulk_create(created)

    def as_admin_panel(self) -> str:
        return render_to_string(self.template, {"formset": self})


TicketTypePermissionFormSet = forms.formset_factory(
    TicketTypePermissionForm,
    formset=BaseTicketTypePermissionFormSet,
    extra=0,
    max_num=1000,
    absolute_max=1000,
    validate_max=True,
)
