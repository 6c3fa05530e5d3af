"""Service-level screens under "Ticket setup": business-hours calendars (weekly ranges and
holidays inline), customer tiers and SLA policies (reordered by dragging; the first
active match applies). Model permissions decide who sees and edits each screen, as for
the other setup lists.

Customer records are named by id where the host's customer model has no chooser of its
own (a snippet gets Wagtail's chooser): a select of every record would not scale.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.snippets.models import get_snippet_models

from .. import tasks
from ..compat import ReorderView
from ..conf import get_customer_model
from ..ids import parse_id
from ..models import Calendar, CustomerTier, SlaPolicy
from ..sla import hours
from . import listing
from .config import ConfigViewSet, SafeDeleteView

# lines of customer ids one tier form accepts (larger tiers are built in several saves)
MAX_TIER_LINES = 2000


def _time_zones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def recompute_open_tickets(request) -> None:
    """After a change of what due times follow: open tickets get them in the background."""
    if tasks.queue_sla_recompute():
        messages.info(request, _("Open tickets get their due times from the change shortly."))
    else:
        messages.warning(
            request,
            _(
                "The task queue is not reachable: open tickets keep their due times until "
                "“manage.py recompute_sla_due_times” runs."
            ),
        )


class RecomputeAfterSave:
    """For the create, edit and delete views of what due times follow."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.changed():
            recompute_open_tickets(self.request)
        return response

    def changed(self) -> bool:
        return True


class RecomputeCreateView(RecomputeAfterSave, generic.CreateView):
    pass


class RecomputeEditView(RecomputeAfterSave, generic.EditView):
    pass


class RecomputeDeleteView(RecomputeAfterSave, SafeDeleteView):
    def form_valid(self, form):
        self.deleted_pk = self.object.pk
        return super().form_valid(form)

    def changed(self) -> bool:
        # a record still in use is refused (``SafeDeleteView``) and changes nothing
        return not self.model._default_manager.filter(pk=self.deleted_pk).exists()


class RecomputeViewSet(ConfigViewSet):
    """A setup list whose changes move the due times of open tickets."""

    add_view_class = RecomputeCreateView
    edit_view_class = RecomputeEditView
    delete_view_class = RecomputeDeleteView


if ReorderView is not None:

    class RecomputeReorderView(ReorderView):
        def post(self, request, *args, **kwargs):
            response = super().post(request, *args, **kwargs)
            if response.status_code < 400:
                tasks.queue_sla_recompute()
            return response

    RecomputeViewSet.reorder_view_class = RecomputeReorderView


class CalendarForm(WagtailAdminModelForm):
    """A calendar whose time zone is one of the list and that is open at some hour."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)

    def clean(self):
        cleaned = super().clean()
        ranges = self.formsets.get("ranges")
        if ranges is not None and ranges.is_valid():
            kept = [
                form.cleaned_data
                for form in ranges.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            if not kept:
                raise ValidationError(_("Add at least one range of business hours."))
            week: list[list[tuple]] = [[] for _day in range(7)]
            for row in kept:
                week[int(row["weekday"])].append((row["start"], row["end"]))
            try:
                hours.validate(
                    hours.CalendarSpec(cleaned.get("time_zone") or "UTC", tuple(map(tuple, week)))
                )
            except hours.CalendarError as exc:
                raise ValidationError(_("These business hours cannot be used.")) from exc
        return cleaned


class CalendarViewSet(RecomputeViewSet):
    model = Calendar
    icon = "date"
    menu_label = _("Business hours")
    list_display = [
        "name",
        Column("time_zone", label=_("Time zone")),
        BooleanColumn("is_default", label=_("Default"), sort_key="is_default"),
    ]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("name"), FieldPanel("time_zone"), FieldPanel("is_default")],
                heading=_("Calendar"),
            ),
            InlinePanel("ranges", heading=_("Business hours"), label=_("Range"), min_num=1),
            InlinePanel("holidays", heading=_("Holidays"), label=_("Holiday")),
        ],
        base_form_class=CalendarForm,
    )


def customer_record_field(required: bool = False) -> forms.Field:
    """A customer record: Wagtail's chooser for a snippet model, else its id."""
    model = get_customer_model()
    if model in get_snippet_models():
        return forms.ModelChoiceField(
            queryset=model._default_manager.all(),
            required=required,
            widget=_snippet_chooser(model),
            label=_("Customer record"),
        )
    return CustomerIdField(required=required, label=_("Customer record"))


def _snippet_chooser(model):
    """Wagtail's snippet chooser, which shows a form again with a value that is no id of
    the model (the field's error) instead of failing on it."""
    from wagtail.snippets.widgets import AdminSnippetChooser

    class Chooser(AdminSnippetChooser):
        def get_instance(self, value):
            try:
                return super().get_instance(value)
            except (ValueError, TypeError, ValidationError, OverflowError):
                return None

    return Chooser(model)


def customer_key(model, text: str):
    """A customer record's primary key from text, or ``None``: integer keys follow the
    package's id rule (``ids.parse_id``), other keys their field's own parsing."""
    field = model._meta.pk
    if isinstance(field, models.IntegerField | models.AutoField):
        return parse_id(text)
    try:
        return field.to_python(text[:64])
    except ValidationError:
        return None


class CustomerIdField(forms.ModelChoiceField):
    """A customer record named by its id in a text box."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        model = get_customer_model()
        kwargs.setdefault("help_text", _("The id of the customer record."))
        super().__init__(queryset=model._default_manager.all(), **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = customer_key(self.queryset.model, str(value).strip())
        if key is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(key)

    def prepare_value(self, value):
        if hasattr(value, "pk"):
            return value.pk
        return value


class CustomerListField(forms.Field):
    """Customer records, one id per line (anything after the id is ignored, so the form
    shows each record's name beside its id)."""

    widget = forms.Textarea(attrs={"rows": 8})

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("One customer record id per line; text after the id is ignored."),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple) and value and hasattr(value[0], "pk"):
            return "\n".join(f"{record.pk}  {record}" for record in value)
        return value

    def to_python(self, value):
        model = get_customer_model()
        lines = [line.split()[0] for line in str(value or "").splitlines() if line.strip()]
        if len(lines) > MAX_TIER_LINES:
            raise ValidationError(
                _("At most %(count)s customer records at a time.") % {"count": MAX_TIER_LINES}
            )
        keys, bad = [], []
        for line in lines:
            key = customer_key(model, line)
            if key is None:
                bad.append(line[:40])
            else:
                keys.append(key)
        if bad:
            raise ValidationError(
                _("Not a customer record id: %(ids)s") % {"ids": ", ".join(bad[:5])}
            )
        found = list(model._default_manager.filter(pk__in=set(keys)))
        missing = {str(key) for key in keys} - {str(record.pk) for record in found}
        if missing:
            raise ValidationError(
                _("No customer record with the id: %(ids)s")
                % {"ids": ", ".join(sorted(missing)[:5])}
            )
        return found


class CustomerTierForm(WagtailAdminModelForm):
    members = CustomerListField(label=_("Customer records"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["members"] = list(self.instance.customers.all()[:MAX_TIER_LINES])

    def save(self, commit=True):
        tier = super().save(commit=commit)
        if commit:
            tier.customers.set(self.cleaned_data.get("members") or [])
        return tier


class CustomerTierViewSet(RecomputeViewSet):
    model = CustomerTier
    icon = "group"
    menu_label = _("Customer tiers")
    list_display = ["name"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("members")], base_form_class=CustomerTierForm
    )


class SlaPolicyForm(WagtailAdminModelForm):
    """Customer records by chooser or id (``customer_record_field``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "customer" in self.fields:
            field = customer_record_field()
            field.help_text = self.fields["customer"].help_text
            self.fields["customer"] = field

    def clean(self):
        cleaned = super().clean()
        targets = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
        if not any(cleaned.get(name) for name in targets):
            raise ValidationError(_("Set at least one target."))
        return cleaned


def _target(name: str):
    def show(policy) -> str:
        minutes = getattr(policy, f"{name}_minutes")
        return format_minutes(minutes) if minutes else listing.MISSING

    return show


def format_minutes(minutes: int) -> str:
    """Business minutes as people read them: "4 h", "1 h 30 min", "45 min"."""
    whole, rest = divmod(minutes, 60)
    if whole and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": whole, "minutes": rest}
    if whole:
        return _("%(hours)s h") % {"hours": whole}
    return _("%(minutes)s min") % {"minutes": rest}


class TargetColumn(Column):
    def __init__(self, target: str, label):
        super().__init__(target, label=label, accessor=_target(target))


class SlaPolicyViewSet(RecomputeViewSet):
    model = SlaPolicy
    icon = "time"
    menu_label = _("SLA policies")
    sort_order_field = "sort_order"
    list_display = [
        "name",
        BooleanColumn("active", label=_("Active")),
        Column("ticket_type", label=_("Type")),
        Column("priority", label=_("Priority")),
        Column("customer_tier", label=_("Customer tier")),
        TargetColumn("first_response", _("First response")),
        TargetColumn("next_response", _("Next response")),
        TargetColumn("resolution", _("Resolution")),
    ]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("name"),
                    FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
                ],
                heading=_("Policy"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("ticket_type"), FieldPanel("priority")]),
                    FieldPanel("customer_tier"),
                    FieldPanel("customer"),
                ],
                heading=_("Applies to tickets with"),
                help_text=_("Empty conditions match every ticket."),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("first_response_minutes"),
                            FieldPanel("first_response_calendar"),
                        ]
                    ),
                    FieldRowPanel(
                        [FieldPanel("next_response_minutes"), FieldPanel("next_response_calendar")]
                    ),
                    FieldRowPanel(
                        [FieldPanel("resolution_minutes"), FieldPanel("resolution_calendar")]
                    ),
                ],
                heading=_("Targets in business time"),
            ),
        ],
        base_form_class=SlaPolicyForm,
    )

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            queryset=SlaPolicy.objects.select_related("ticket_type", "priority", "customer_tier"),
            **kwargs,
        )


class ServiceLevelGroup(ModelViewSetGroup):
    menu_label = _("Service levels")
    menu_icon = "time"
    menu_order = 152
    items = (
        SlaPolicyViewSet("wagtail_tickets_sla_policies", url_prefix="tickets-setup/sla-policies"),
        CalendarViewSet("wagtail_tickets_calendars", url_prefix="tickets-setup/calendars"),
        CustomerTierViewSet(
            "wagtail_tickets_customer_tiers", url_prefix="tickets-setup/customer-tiers"
        ),
    )
