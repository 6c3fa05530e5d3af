"""The ticket reports in the admin: activity over time, per type and status,
response and resolution times, service levels (``sla``), workload per agent and time
spent, with a CSV export.

Agents see the numbers of the types they manage only (``permissions.agent_tickets``); other
users get 403. Everything is aggregated in the database (``queries``): the page runs a
bounded number of queries whatever the number of tickets.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from decimal import Decimal

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import HeaderButton

from ... import permissions
from ...links import inbox_url, workspace_url
from ...pagination import uncounted_page
from . import charts, queries
from . import ratings as rating_numbers
from . import sla as sla_numbers
from .queries import Period, last_days, last_months

MAX_BUCKETS = 400
MAX_DAYS = 10 * 366
TIME_PAGE_SIZE = 25
TIME_PAGE_PARAM = "time_page"


class PeriodForm(forms.Form):
    """Which period the reports cover. Bad input is a form error; the page then shows the
    default period (last 30 days)."""

    PERIODS = [
        ("30d", _("Last 30 days")),
        ("12m", _("Last 12 months")),
        ("custom", _("Custom")),
    ]
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    # A context of their own: Wagtail's plain "From"/"To" (redirects) mean something else.
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), required=False, widget=AdminDateInput
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"), required=False, widget=AdminDateInput
    )
    granularity = forms.ChoiceField(
        label=_("Per"),
        choices=[
            ("", _("Automatic")),
            ("day", _("Day")),
            ("week", _("Week")),
            ("month", _("Month")),
        ],
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            if not self.errors:
                raise forms.ValidationError(_("A custom period needs a start and an end date."))
            return data
        if end < start:
            raise forms.ValidationError(_("The end date is before the start date."))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of at most ten years."))
        granularity = data.get("granularity") or automatic_granularity(start, end)
        if len(Period(start, end, granularity).buckets()) > MAX_BUCKETS:
            raise forms.ValidationError(
                _("This period has too many days for a daily chart: choose weeks or months.")
            )
        return data

    def get_period(self, today: datetime.date) -> Period:
        """The chosen period (call after ``is_valid``); the default when invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        choice = data.get("period") or "30d"
        granularity = data.get("granularity") or ""
        if choice == "custom":
            start, end = data["start"], data["end"]
            return Period(start, end, granularity or automatic_granularity(start, end))
        if choice == "12m":
            return Period(*last_months(today, 12), granularity or "month")
        return Period(*last_days(today, 30), granularity or "day")


def automatic_granularity(start: datetime.date, end: datetime.date) -> str:
    days = (end - start).days
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    return "month"


def format_duration(value: datetime.timedelta | None) -> str:
    """A short human duration: "2 d 4 h", "3 h 20 min", "12 min"."""
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


def _period_form(request: HttpRequest) -> PeriodForm:
    keys = ("period", "start", "end", "granularity")
    data = {key: request.GET[key] for key in keys if key in request.GET}
    form = PeriodForm(data or None, initial={"period": "30d"})
    if data:
        form.is_valid()
    return form


def _require_agent(request: HttpRequest) -> None:
    if not permissions.is_agent(request.user):
        raise PermissionDenied


class ReportsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "wagtail_tickets/admin/reports/index.html"
    page_title = _("Ticket reports")
    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        _require_agent(request)
        self.form = _period_form(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_header_buttons(self):
        query = self.request.GET.copy()
        query.pop(TIME_PAGE_PARAM, None)
        url = reverse("wagtail_tickets_reports:time_csv")
        if query:
            url = f"{url}?{query.urlencode()}"
        return [
            *super().get_header_buttons(),
            HeaderButton(label=_("Download time spent (CSV)"), url=url, icon_name="download"),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = self.form.get_period(timezone.localdate())
        tickets = permissions.agent_tickets(self.request.user)
        types = permissions.agent_types(self.request.user)
        with queries.analytics(tickets.db) as session:
            report = queries.build(tickets, period, session, types=types)
            sla_report = sla_numbers.build(tickets, period, session=session)
            # not counted: the rows are groups of up to a year of messages
            time_page = uncounted_page(
                queries.time_spent(tickets, period),
                self.request.GET.get(TIME_PAGE_PARAM),
                TIME_PAGE_SIZE,
            )
            time_rows = [(row, workspace_url(row["ticket_id"])) for row in time_page.object_list]
            ratings = rating_numbers.build(tickets, period)
            comments_page = rating_numbers.comments(
                tickets, period, self.request.GET.get(rating_numbers.COMMENTS_PAGE_PARAM)
            )
        query = self.request.GET.copy()
        query.pop(TIME_PAGE_PARAM, None)
        comments_query = self.request.GET.copy()
        comments_query.pop(rating_numbers.COMMENTS_PAGE_PARAM, None)
        context.update(
            ratings=ratings,
            rating_tables=[
                (_("Ratings per agent"), _("Agent"), ratings.per_agent),
                (_("Ratings per type"), _("Type"), ratings.per_type),
                (_("Ratings over the period"), pgettext_lazy("period", "From"), ratings.per_bucket),
            ],
            comments_page=comments_page,
            comment_rows=[
                (row, workspace_url(row["ticket_id"])) for row in comments_page.object_list
            ],
            comments_page_param=rating_numbers.COMMENTS_PAGE_PARAM,
            comments_query=comments_query.urlencode(),
        )
        context.update(
            form=self.form,
            media=self.form.media,
            period=period,
            totals=report.totals,
            buckets=report.buckets,
            time_chart=charts.time_chart(
                report.buckets, period.granularity, str(_("opened")), str(_("closed"))
            ),
            per_type=[
                (row, inbox_url(ticket_type=row["ticket_type_id"])) for row in report.per_type
            ],
            per_status=report.per_status,
            first_response=report.first_response,
            first_response_average=format_duration(report.first_response.average),
            first_response_median=format_duration(report.first_response.median),
            resolution=report.resolution,
            resolution_average=format_duration(report.resolution.average),
            resolution_median=format_duration(report.resolution.median),
            agents=[
                (agent, inbox_url(assignee=agent.user_id, state="open")) for agent in report.agents
            ],
            agent_chart=charts.agent_chart(
                report.agents, str(_("open assigned")), str(_("closed in period"))
            ),
            sla=sla_report,
            sla_totals=list(zip(sla_report.target_labels, sla_report.totals.cells, strict=True)),
            sla_tables=[
                (_("Service levels per type"), _("Type"), sla_report.per_type),
                (_("Service levels per priority"), _("Priority"), sla_report.per_priority),
                (_("Service levels per agent"), _("Agent"), sla_report.per_agent),
            ],
            time_page=time_page,
            time_rows=time_rows,
            time_page_param=TIME_PAGE_PARAM,
            time_query=query.urlencode(),
        )
        return context


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """Text for a spreadsheet cell; text that a spreadsheet would run as a formula is
    prefixed with an apostrophe (subjects and names come from customers)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def time_spent_rows(tickets, period: Period) -> Iterator[list[str]]:
    yield [
        str(_("Ticket")),
        str(_("Subject")),
        str(_("Agent")),
        str(_("Rate")),
        str(_("Rate value")),
        str(_("Hours")),
        str(_("Amount")),
    ]
    for row in queries.time_spent(tickets, period).iterator(chunk_size=500):
        yield [
            csv_cell(row["ticket__number"]),
            csv_cell(row["ticket__subject"]),
            csv_cell(row["author_name"]),
            csv_cell(row["rate__name"]),
            csv_cell(row["rate__value"]),
            csv_cell(row["total_hours"]),
            csv_cell(row["amount"]),
        ]


class TimeSpentCsvView(View):
    """Hours per ticket, agent and rate of the chosen period as CSV, streamed."""

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_agent(request)
        form = _period_form(request)
        if form.is_bound and not form.is_valid():
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
        period = form.get_period(timezone.localdate())
        tickets = permissions.agent_tickets(request.user)
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in time_spent_rows(tickets, period)),
            content_type="text/csv; charset=utf-8",
        )
        filename = f"time-spent-{period.first.isoformat()}-{period.last.isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ReportsMenuItem(MenuItem):
    """Shown in the admin's Reports menu to agents only."""

    def is_shown(self, request) -> bool:
        return permissions.is_agent(request.user)


def menu_item() -> ReportsMenuItem:
    return ReportsMenuItem(
        _("Tickets"),
        reverse("wagtail_tickets_reports:index"),
        name="ticket-reports",
        icon_name="tasks",
        order=1000,
    )


def get_urls() -> list:
    """Admin URLs of the reports (mounted by ``hooks.register_admin_urls``)."""
    patterns = [
        path("", ReportsView.as_view(), name="index"),
        path("time-spent.csv", TimeSpentCsvView.as_view(), name="time_csv"),
    ]
    return [path("ticket-reports/", include((patterns, "wagtail_tickets_reports")))]
