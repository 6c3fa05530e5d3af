"""Forms of the agent workspace. They only parse and shape input: permission checks,
sanitising and validation rules live in permissions.py, sanitize.py, validators.py and
actions.py, which the views call with the cleaned values."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.rich_text import get_rich_text_editor_widget
from wagtail.admin.widgets import AdminDateInput
from wagtail.rich_text import expand_db_html

from .. import permissions
from ..conf import app_settings
from ..models import Category, Priority, Rate, Status
from ..models.tickets import agent_name
from ..models.workspace import REPLY_FEATURES, ResponseTemplate
from ..rich_text import validate_entities
from ..sanitize import HTMLTooComplex, check_html, clean_user_input
from ..validators import parse_cc_addresses, validate_uploads
from . import widgets


class _EditorInput(str):
    """What the editor widget could not parse as its own format (no JavaScript, or a
    forged payload): treated as plain text or HTML and sanitised like web input."""


class _EditorTooDeep(str):
    """A payload in the editor's format nested deeper than its converter can follow (a
    forged list depth): the field's error, like HTML nested past ``MAX_HTML_DEPTH``."""


_EDITOR_WIDGETS: dict[type, type] = {}


def reply_editor_widget() -> forms.Widget:
    """Wagtail's configured rich text editor (Draftail by default) with the features our
    sanitizer keeps; a garbled payload never raises (it becomes plain input), and neither
    does stored text the editor cannot read (a page link without a usable id)."""
    widget = get_rich_text_editor_widget(features=REPLY_FEATURES)
    base = type(widget)
    guarded = _EDITOR_WIDGETS.get(base)
    if guarded is None:

        def value_from_datadict(self, data, files, name):
            try:
                return base.value_from_datadict(self, data, files, name)
            except RecursionError:
                return _EditorTooDeep("-")
            except (ValueError, TypeError, KeyError, AttributeError, IndexError):
                raw = data.get(name)
                return _EditorInput(raw) if isinstance(raw, str) else None

        def format_value(self, value):
            try:
                return base.format_value(self, value)
            except (ValueError, TypeError, KeyError, OverflowError):
                # shown as the sanitised HTML, which holds no entities
                return base.format_value(self, clean_user_input(str(value)))

        guarded = type(
            f"Guarded{base.__name__}",
            (base,),
            {
                "value_from_datadict": value_from_datadict,
                "format_value": format_value,
                # names the editor's text box after the field's label
                "Media": type("Media", (), {"js": ["wagtail_tickets/admin/js/editor_label.js"]}),
            },
        )
        _EDITOR_WIDGETS[base] = guarded
    widget.__class__ = guarded
    return widget


class EditorField(forms.Field):
    """Rich text from the admin editor, returned as HTML (links resolved). The actions
    sanitise it before it is stored. Entities the editor could not have made, or page
    links to pages a customer cannot open, are the field's error (``rich_text``).

    ``expand=False`` keeps Wagtail's database format (links to pages as ids), for text
    stored as rich text and expanded when used (response templates)."""

    def __init__(self, *, expand: bool = True, **kwargs):
        self.expand = expand
        # The editor widget is made when the first form is (``__deepcopy__``), not when a
        # form class is defined: making it reads every module's Wagtail hooks, and the
        # modules that register hooks import this one.
        self._editor_pending = "widget" not in kwargs
        super().__init__(**kwargs)

    def __deepcopy__(self, memo):
        if self._editor_pending:
            self._editor_pending = False
            self.widget = reply_editor_widget()
            self.widget.is_required = self.required
        return super().__deepcopy__(memo)

    def bound_data(self, data, initial):
        """What the editor shows again after an error. Input it could not read is shown as
        the sanitiser keeps it, never raw: the editor's own HTML reader would have to read
        a hostile payload (and fails on misnested tags)."""
        if isinstance(data, _EditorTooDeep):
            return ""
        if isinstance(data, _EditorInput):
            return clean_user_input(str(data))
        return super().bound_data(data, initial)

    def to_python(self, value):
        if isinstance(value, _EditorTooDeep):
            exc = HTMLTooComplex("depth")
            raise ValidationError(exc.message, code=exc.code)
        if value in self.empty_values:
            return ""
        if len(value) > app_settings.MAX_BODY_LENGTH * 4:
            raise ValidationError(_("The message is too long."), code="too_long")
        try:
            if isinstance(value, _EditorInput):
                html = clean_user_input(str(value), strict=True)
            else:
                # the editor's own format: its entities are checked before they expand
                validate_entities(value)
                html = expand_db_html(value) if self.expand else value
            if len(html) > app_settings.MAX_BODY_LENGTH:
                raise ValidationError(_("The message is too long."), code="too_long")
            # nesting and element count: refused here, before the actions sanitise it
            check_html(html)
        except HTMLTooComplex as exc:
            raise ValidationError(exc.message, code=exc.code) from None
        return html


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; limits are checked by ``validate_uploads``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        validate_uploads(files)
        return files


class CCField(forms.CharField):
    """Addresses separated by commas or new lines, validated by ``parse_cc_addresses``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Addresses separated by commas or new lines."))
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        kwargs.setdefault("max_length", 4000)
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_cc_addresses(super().clean(value))


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The options read with one plain query and kept by the field's queryset. Django reads
    them through ``QuerySet.iterator()``, which on PostgreSQL is a server-side cursor: three
    round trips for a list of a few rows, again at every look.

    The inbox's filter fields use it too: their ``null_label`` option comes first, and a
    field with ``rows`` (a callable giving the objects the page has read already) reads
    nothing itself."""

    def __iter__(self):
        null_label = getattr(self.field, "null_label", None)
        if null_label is not None:
            yield (self.field.null_value, null_label)
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = getattr(self.field, "rows", None)
        for obj in rows() if rows else self.queryset:
            yield self.choice(obj)

    def __len__(self) -> int:
        return super().__len__() + (getattr(self.field, "null_label", None) is not None)


class ListedChoiceField(forms.ModelChoiceField):
    """A choice of a row of a short table (statuses, types, agents)."""

    iterator = ListedChoiceIterator


class AgentChoiceField(ListedChoiceField):
    def label_from_instance(self, obj):
        return agent_name(obj)


def person_label(user) -> str:
    """A user as "Name <address>", so agents tell namesakes apart."""
    return f"{agent_name(user)} <{user.email}>" if user.email else agent_name(user)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_label(obj)


class ReplyForm(forms.Form):
    """The reply box: a message or internal note, files, hours and rate, and the status
    the ticket gets with it ("Send and set status to ...")."""

    body = EditorField(label=_("Message"))
    internal = forms.BooleanField(
        label=_("Internal note"),
        required=False,
        help_text=_("Only agents see internal notes; the customer is not told."),
    )
    attachments = MultipleFileField(label=_("Attachments"))
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=Decimal("0.01"),
        max_value=Decimal("999"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0"}),
    )
    rate = ListedChoiceField(
        label=_("Rate"),
        queryset=Rate.objects.filter(active=True),
        required=False,
        widget=widgets.Select,
    )

    # "Send and set status to ...": the status the ticket gets with the reply
    send_status = ListedChoiceField(
        label=_("Status after sending"), queryset=Status.objects.all(), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rate") and not cleaned.get("hours"):
            self.add_error("hours", _("Enter the hours worked at this rate."))
        return cleaned


class DraftForm(forms.Form):
    """What the page saves of the reply box while the agent types (and what the mail
    preview renders): the text, as the reply's would be read, and whether it is a note."""

    body = EditorField(label=_("Message"), required=False)
    internal = forms.BooleanField(required=False)


class TemplatePickerForm(forms.Form):
    """Which response template goes into the reply box."""

    template = ListedChoiceField(
        label=_("Response template"),
        queryset=None,
        required=False,
        empty_label=None,
        widget=widgets.Select,
    )

    def __init__(self, *args, templates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


# The one form element of the workspace: the reply box, the ticket's fields and the
# quick actions all submit it (the fields sit in other parts of the page and join it
# through their ``form`` attribute), so no button loses what another part holds.
WORKSPACE_FORM_ID = "wt-workspace-form"
# A field's value as the page showed it is posted beside it under this prefix.
SHOWN_PREFIX = "shown-"
# The longest value of one field a draft keeps (the CC list is the longest field).
MAX_DRAFT_VALUE = 4000


def _key(value):
    """A field's value as compared for a change: objects by id, lists as tuples."""
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, list | tuple):
        return tuple(value) or None
    return value


class ChangeTicketForm(forms.Form):
    """The "Ticket fields" panel: every field an agent changes, alone ("Save changes") or
    with a reply. A field counts as changed when its value differs from the one the page
    showed (posted as ``shown-<name>``), so a value another agent set meanwhile is not
    set back by a field this agent left alone; a field that is not posted is not changed.
    ``changes()`` is what goes to ``actions.change_ticket``; ``actions`` and
    ``permissions`` check it again."""

    # not required: a form without it leaves the status alone (``clean_status``)
    status = ListedChoiceField(
        label=_("Status"),
        queryset=Status.objects.all(),
        required=False,
        empty_label=None,
        widget=widgets.Select,
    )
    priority = ListedChoiceField(
        label=_("Priority"), queryset=Priority.objects.all(), required=False, widget=widgets.Select
    )
    category = ListedChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, widget=widgets.Select
    )
    target_date = forms.DateField(label=_("Target date"), required=False, widget=AdminDateInput)
    assignee = AgentChoiceField(
        label=_("Assignee"),
        queryset=None,
        required=False,
        empty_label=_("Nobody"),
        widget=widgets.Select,
        help_text=_("Members of the type's support team."),
    )
    ticket_type = ListedChoiceField(
        label=_("Type"),
        queryset=None,
        widget=widgets.Select,
        required=False,
        help_text=_("An assignee who is not an agent of the new type is unassigned."),
    )
    cc = CCField(label=_("CC and extra contacts"))

    def __init__(self, *args, ticket, user, pending=None, **kwargs):
        """``pending``: raw values of a draft's field changes, shown instead of the
        ticket's own (the values the page showed stay the ticket's)."""
        self.ticket = ticket
        self.shown = self.ticket_values(ticket)
        initial = {**self.shown, **self.restorable(pending)}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["assignee"].queryset = permissions.agents_for_type(ticket.ticket_type)
        self.fields["ticket_type"].queryset = permissions.managed_types(user).order_by(
            "sort_order", "name"
        )
        for field in self.fields.values():
            field.widget.attrs["form"] = WORKSPACE_FORM_ID

    @classmethod
    def ticket_values(cls, ticket) -> dict:
        """The ticket's values as the form's initial data (ids for foreign keys)."""
        values = {}
        for name in cls.base_fields:
            if name == "cc":
                values[name] = "\n".join(ticket.cc_list)
            else:
                values[name] = getattr(ticket, type(ticket)._meta.get_field(name).attname)
        return values

    def restorable(self, pending) -> dict:
        if not isinstance(pending, dict):
            return {}
        return {
            name: str(value)[:MAX_DRAFT_VALUE]
            for name, value in pending.items()
            if name in self.base_fields and isinstance(value, str | int)
        }

    def shown_inputs(self) -> list[tuple[str, str]]:
        """``[(name, value)]`` of the hidden inputs that post what the page showed."""
        return [
            (SHOWN_PREFIX + name, "" if value is None else str(value))
            for name, value in self.shown.items()
        ]

    def clean_status(self):
        status = self.cleaned_data.get("status")
        if status is None and "status" in self.data:
            raise ValidationError(_("Choose a status."), code="required")
        return status

    def clean(self):
        cleaned = super().clean()
        changes = self.changes()
        assignee = changes.get("assignee")
        if assignee is not None:
            target_type = changes.get("ticket_type") or self.ticket.ticket_type
            if not permissions.is_assignable(assignee, target_type):
                self.add_error("assignee", _("Only agents of the ticket's type can be assigned."))
        return cleaned

    def was_shown(self, name: str):
        """The value the page showed for field ``name``: as posted, else the ticket's."""
        field = self.fields[name]
        key = SHOWN_PREFIX + name
        if key in self.data:
            try:
                return field.clean(field.widget.value_from_datadict(self.data, {}, key))
            except ValidationError:
                pass
        value = getattr(self.ticket, name)
        return self.ticket.cc_list if name == "cc" else value

    def changes(self) -> dict:
        """``{field: new value}`` of the fields the agent changed (``cc`` as text)."""
        result = {}
        for name in self.fields:
            if name not in self.data or name not in self.cleaned_data:
                continue
            value = self.cleaned_data[name]
            if _key(value) == _key(self.was_shown(name)):
                continue
            if name == "ticket_type" and value is None:
                continue
            result[name] = "\n".join(value) if name == "cc" else value
        return result

    def pending(self) -> dict[str, str]:
        """The changed fields' raw values, for a draft (nothing is validated: a draft
        keeps what the agent typed, and the form checks it when it is sent)."""
        result = {}
        for name, field in self.fields.items():
            if name not in self.data:
                continue
            raw = field.widget.value_from_datadict(self.data, {}, name)
            if not isinstance(raw, str):
                continue
            shown = self.data.get(SHOWN_PREFIX + name)
            if shown is None:
                shown = dict(self.shown_inputs()).get(SHOWN_PREFIX + name, "")
            if raw.replace("\r\n", "\n").strip() != shown.replace("\r\n", "\n").strip():
                result[name] = raw[:MAX_DRAFT_VALUE]
        return result


class NewTicketForm(forms.Form):
    """An agent opens a ticket on behalf of a customer."""

    ticket_type = ListedChoiceField(label=_("Type"), queryset=None)
    requester = PersonChoiceField(label=_("Requester"), queryset=None)
    subject = forms.CharField(label=_("Subject"), max_length=255)
    cc = CCField(label=_("CC"))
    priority = ListedChoiceField(
        label=_("Priority"),
        queryset=Priority.objects.all(),
        required=False,
        empty_label=_("Default"),
    )
    category = ListedChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False
    )
    status = ListedChoiceField(
        label=_("Status"),
        queryset=Status.objects.all(),
        required=False,
        empty_label=_("Default"),
    )
    assignee = AgentChoiceField(
        label=_("Assignee"),
        queryset=None,
        required=False,
        empty_label=_("Nobody"),
        help_text=_("A member of the chosen type's support team."),
    )
    body = EditorField(label=_("Message"))
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, user=None, requesters=None, requester_widget=None, **kwargs):
        super().__init__(*args, **kwargs)
        types = permissions.managed_types(user)
        self.fields["ticket_type"].queryset = types.order_by("sort_order", "name")
        # the teams of every type the agent manages; ``clean`` checks the chosen type's
        self.fields["assignee"].queryset = permissions.agents_for_types(types.values("pk"))
        field = self.fields["requester"]
        field.queryset = (
            requesters
            if requesters is not None
            else get_user_model()._default_manager.filter(is_active=True)
        )
        if requester_widget is not None:
            field.widget = requester_widget
        self.fields["subject"].max_length = app_settings.MAX_SUBJECT_LENGTH

    def clean(self):
        cleaned = super().clean()
        assignee, ticket_type = cleaned.get("assignee"), cleaned.get("ticket_type")
        if assignee is not None and ticket_type is not None:
            if not permissions.is_assignable(assignee, ticket_type):
                self.add_error("assignee", _("Only agents of the ticket's type can be assigned."))
        return cleaned


class StatusReplacementForm(forms.Form):
    """Where the tickets of a status go when the status is deleted."""

    replacement = ListedChoiceField(label=_("Move its tickets to"), queryset=None)

    def __init__(self, *args, status=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = Status.objects.exclude(pk=status.pk)


class ResponseTemplateForm(WagtailAdminModelForm):
    """The base of the response template's form (its panels pick the fields): the text
    comes through the reply editor's field, so the same entities are refused, and is kept
    in rich text's database format."""

    body = EditorField(
        label=capfirst(ResponseTemplate._meta.get_field("body").verbose_name),
        required=False,
        expand=False,
    )
