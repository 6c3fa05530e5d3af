"""Service levels as administrators configure them: calendars of business hours, customer
tiers (the "flag" on a customer record, kept here so that any customer model works) and
the ordered policies whose first match gives a ticket its targets.

The arithmetic lives in ``wagtail_tickets.sla``; these models only describe.
"""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel

from ..conf import get_customer_model_string
from ..sla import hours
from .config import Ordered, Priority, TicketType


class SlaState(models.TextChoices):
    """Where a ticket stands with one target. ``met`` and ``breached`` are written when
    the target is done; a ``running`` target past its due time is breached now."""

    NONE = "", _("No target")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


# a year of business minutes: longer targets are a typing error, and bound the arithmetic
MAX_TARGET_MINUTES = 525_600


class Calendar(ClusterableModel):
    """Business hours: weekly ranges in a time zone, minus holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_(
            "Used by targets without a calendar of their own, and to count business time "
            "to first response and resolution for every ticket."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="wt_calendar_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            hours.validate(hours.CalendarSpec(self.time_zone, (((hours.MIDNIGHT,) * 2,),) * 7))
        except hours.CalendarError:
            raise ValidationError({"time_zone": _("Choose a time zone from the list.")}) from None

    def spec(self) -> hours.CalendarSpec:
        """The calendar as ``sla.hours`` computes with it (reads the ranges and holidays:
        prefetch ``ranges`` and ``holidays`` for many calendars)."""
        week: list[list[tuple[time, time]]] = [[] for _day in range(7)]
        for item in self.ranges.all():
            week[item.weekday].append((item.start, item.end))
        single, yearly = set(), set()
        for holiday in self.holidays.all():
            if holiday.yearly:
                yearly.add((holiday.date.month, holiday.date.day))
            else:
                single.add(holiday.date)
        return hours.CalendarSpec(
            self.time_zone,
            tuple(tuple(sorted(ranges)) for ranges in week),
            holidays=frozenset(single),
            yearly_holidays=frozenset(yearly),
        )


class CalendarPart(models.Model):
    """A row of a calendar: saving or deleting it marks the calendar changed, so every
    process reads the calendar again (``sla.calendars`` caches by ``updated_at``)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._touch_calendar()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._touch_calendar()
        return result

    def _touch_calendar(self) -> None:
        from django.utils import timezone

        Calendar.objects.filter(pk=self.calendar_id).update(updated_at=timezone.now())


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class CalendarRange(CalendarPart):
    """Open from ``start`` to ``end`` on a weekday; an end at or before the start runs past
    midnight, and an end of 00:00 means until midnight."""

    calendar = ParentalKey(Calendar, on_delete=models.CASCADE, related_name="ranges")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(
        _("to"), help_text=_("00:00 means until midnight; an earlier time runs past midnight.")
    )

    panels = [FieldRowPanel([FieldPanel("weekday"), FieldPanel("start"), FieldPanel("end")])]

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday", "start", "pk"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.start is not None and self.start == self.end and self.end != hours.MIDNIGHT:
            raise ValidationError({"end": _("The range is empty: choose another end.")})


class CalendarHoliday(CalendarPart):
    """A closed date; a yearly one closes the same day and month every year."""

    calendar = ParentalKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    yearly = models.BooleanField(_("every year"), default=False)
    name = models.CharField(_("name"), max_length=100, blank=True)

    panels = [FieldRowPanel([FieldPanel("date"), FieldPanel("yearly"), FieldPanel("name")])]

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return self.name or self.date.isoformat()


class CustomerTier(models.Model):
    """A named set of customer records (e.g. "Premium support") that policies can match:
    the flag lives here, so the host's customer model needs no field of its own."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    customers = models.ManyToManyField(
        get_customer_model_string(),
        verbose_name=_("customer records"),
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _minutes(verbose_name) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        verbose_name,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
        help_text=_("In business minutes. Empty: no target."),
    )


def _calendar(verbose_name, related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        Calendar,
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        help_text=_("Empty: the default calendar."),
    )


class SlaPolicy(Ordered):
    """Targets for the tickets that match every condition set; the first active policy in
    order that matches applies."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    ticket_type = models.ForeignKey(
        TicketType,
        verbose_name=_("type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any type."),
    )
    priority = models.ForeignKey(
        Priority,
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any priority."),
    )
    customer = models.ForeignKey(
        get_customer_model_string(),
        verbose_name=_("customer record"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any customer."),
    )
    customer_tier = models.ForeignKey(
        CustomerTier,
        verbose_name=_("customer tier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policies",
        help_text=_("Empty: any customer, in a tier or not."),
    )
    first_response_minutes = _minutes(_("first response within"))
    first_response_calendar = _calendar(_("first response calendar"), "+")
    next_response_minutes = _minutes(_("next response within"))
    next_response_calendar = _calendar(_("next response calendar"), "+")
    resolution_minutes = _minutes(_("resolution within"))
    resolution_calendar = _calendar(_("resolution calendar"), "+")

    class Meta(Ordered.Meta):
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name
