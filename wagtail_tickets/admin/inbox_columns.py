"""The inbox's columns, declared once: header, sort key, cell, spreadsheet export and the
related rows a page reads follow from ``COLUMNS``.

A column is one ``InboxColumn``: a ticket field shown as its text needs only its name
(``InboxColumn("category")``); a foreign key's rows are read for the page's fifty tickets
in one query (``attach_related``); ``shown=False`` puts a field in the export only.

The rows are written in Python (``InboxTable.rows_html``): a template loop over fifty
rows of ten cells cost more than the page's queries. They are ``markup.Html`` templates,
so every value is escaped unless a cell returns markup it built the same way.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import ForeignKey, OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils import dateformat, timezone
from django.utils.functional import Promise, cached_property
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, Table

from .. import display
from ..colours import text_colour_on
from ..models import Message, Priority, Status, Ticket
from ..models.config import colour_validator
from ..models.tickets import agent_name
from ..sla import display as sla_display
from .markup import EMPTY, Html, join


class RowContext:
    """What every row of one page shares: today, the formats and translations (looked up
    once, not once per cell) and the workspace URL's prefix."""

    def __init__(self, edit_prefix: str):
        # the workspace URL is "<index><pk>/" (see ticket_viewset): no reverse() per row
        self.edit_prefix = edit_prefix
        self.today = timezone.localdate()
        self.date_format, self.moment_format = display.formats()
        self.ago = TimeAgo()
        self.select_label = gettext("Select ticket %(number)s")
        self.new_badge = NEW_BADGE(
            new=gettext("New"), explained=gettext("customer messages you have not seen yet")
        )
        self.note_label = NOTE_LABEL(label=gettext("Internal note:"))
        # service levels: due times compare with one "now" for the whole page
        self.now = timezone.now()
        self.sla_badges = {
            standing: SLA_BADGE(standing=standing, label=label)
            for standing, label in sla_display.LABELS.items()
        }

    def is_overdue(self, ticket: Ticket) -> bool:
        return bool(ticket.target_date and ticket.target_date < self.today and ticket.is_open)


Cell = Callable[[Ticket, RowContext], object]


@dataclass(frozen=True)
class InboxColumn:
    """One column of the inbox and of its export.

    - ``name``: the column's name, a ``Ticket`` field or property (``requester``).
    - ``label``: the header; the field's verbose name when left out.
    - ``sort_key``: what the header sorts by (``?ordering=``); ``None``: not sortable.
    - ``cell``: ``cell(ticket, row) -> value`` shown in the cell, text (escaped) or
      ``markup.Html`` output; by default the ticket's ``name`` attribute as text.
    - ``same_cell``: a key: rows with the same key show the same cell, written once
      (statuses, types, priorities).
    - ``related``: the ``select_related`` paths the cell and the export read; by default
      the field itself when it is a foreign key. ``attach_related`` reads them for a page.
    - ``export``: the attribute the spreadsheet export writes (``""``: not exported).
    - ``shown``: ``False`` for a column of the export only.
    """

    name: str
    label: str | Promise | None = None
    sort_key: str | None = None
    cell: Cell | None = None
    same_cell: Callable[[Ticket, RowContext], Hashable] | None = None
    related: tuple[str, ...] | None = None
    export: str | None = None
    shown: bool = True
    td: str = field(default="<td>{content}</td>", repr=False)
    # a header of its own (the "select all on this page" box); Wagtail's otherwise
    header_template: str | None = None
    classname: str | None = None

    @property
    def heading(self) -> str | Promise:
        if self.label is not None:
            return self.label
        return capfirst(Ticket._meta.get_field(self.name).verbose_name)

    @property
    def foreign_keys(self) -> tuple[str, ...]:
        """The ticket's foreign keys this column reads."""
        if self.related is not None:
            return tuple(dict.fromkeys(path.split("__", 1)[0] for path in self.related))
        try:
            found = Ticket._meta.get_field(self.name)
        except FieldDoesNotExist:  # a property: no relation unless declared
            return ()
        return (self.name,) if isinstance(found, ForeignKey) else ()

    @property
    def select_related(self) -> tuple[str, ...]:
        return self.related if self.related is not None else self.foreign_keys

    @property
    def export_field(self) -> str:
        return self.name if self.export is None else self.export

    def header(self) -> Column:
        """Wagtail's column, for the header and its sort link."""
        column = Column(
            self.name, label=self.heading, sort_key=self.sort_key, classname=self.classname
        )
        if self.header_template:
            column.header_template_name = self.header_template
        return column

    def value(self, ticket: Ticket, row: RowContext):
        if self.cell is not None:
            return self.cell(ticket, row)
        value = getattr(ticket, self.name)
        return "" if value is None else str(value)


# Cells --------------------------------------------------------------------------------

NUMBER = Html('<a class="wt-number" href="{url}">{number}</a>')
SELECT = Html(
    '<input type="checkbox" class="wt-bulk-select" name="ticket" value="{pk}" '
    'form="wt-bulk-form" aria-label="{label}">'
)
SUBJECT = Html(
    '<div class="wt-subject__line"><a class="wt-subject__link" href="{url}" title="{subject}">'
    "{subject}</a>{badge}</div>{preview}"
)
PREVIEW = Html('<div class="wt-subject__preview">{note}<span>{author}</span> {text}</div>')
NEW_BADGE = Html(
    '<span class="wt-new-badge">{new}<span class="w-sr-only">: {explained}</span></span>'
)
NOTE_LABEL = Html('<span class="wt-subject__note">{label}</span> ')
PERSON = Html('<div class="wt-person">{name}</div><div class="wt-muted">{customer}</div>')
STATUS = Html('<span class="wt-status{closed}"{style}>{name}</span>')
PRIORITY = Html(
    '<span class="wt-priority"{style}><span class="wt-priority__dot" aria-hidden="true">'
    "</span>{name}</span>"
)
COLOUR = Html(' style="--wt-colour: {colour}; --wt-on-colour: {on}"')
MOMENT = Html(
    '<button type="button" class="w-human-readable-date" data-controller="w-tooltip" '
    'data-w-tooltip-content-value="{moment}" data-w-tooltip-placement-value="top">'
    '<time class="w-human-readable-date__date" datetime="{iso}">{ago}</time></button>'
)
TARGET = Html("<span{overdue}>{date}</span>")
SLA = Html(
    '<div class="wt-sla__target">{target}</div>'
    '<div class="wt-nowrap"><time datetime="{iso}">{when}</time>{badge}</div>'
)
SLA_BADGE = Html(' <span class="wt-sla-badge wt-sla-badge--{standing}">{label}</span>')
CLOSED = SafeString(" wt-status--closed")
OVERDUE_DATE = SafeString(' class="wt-target-date--overdue"')
ROW_CLASSES = {
    (False, False): EMPTY,
    (True, False): SafeString(' class="wt-overdue"'),
    (False, True): SafeString(' class="wt-new"'),
    (True, True): SafeString(' class="wt-overdue wt-new"'),
}
# how much of the newest message a row shows (the cell ends it with an ellipsis)
PREVIEW_LENGTH = 160


def colour_style(colour: str) -> SafeString:
    """The colour of a status or priority as a style, for a colour of the form the model
    accepts only (a value put in the database by other means is not written into CSS)."""
    if isinstance(colour, str) and colour_validator.regex.fullmatch(colour):
        return COLOUR(colour=colour, on=text_colour_on(colour))
    return EMPTY


def number_cell(ticket: Ticket, row: RowContext) -> SafeString:
    return NUMBER(url=f"{row.edit_prefix}{ticket.pk}/", number=ticket.number)


def select_cell(ticket: Ticket, row: RowContext) -> SafeString:
    return SELECT(pk=ticket.pk, label=row.select_label % {"number": ticket.number})


def is_new(ticket: Ticket) -> bool:
    """Whether the page's query marked the ticket new for the agent (``visits``)."""
    return bool(getattr(ticket, "is_new", False))


def subject_cell(ticket: Ticket, row: RowContext) -> SafeString:
    """The subject, a link to the ticket, with the "New" badge and one line of the newest
    message (``LatestMessage``, read for the page by ``attach_latest_messages``)."""
    latest: LatestMessage | None = getattr(ticket, "latest_message", None)
    preview = EMPTY
    if latest is not None:
        preview = PREVIEW(
            note=row.note_label if latest.internal else EMPTY,
            author=f"{latest.author}:" if latest.author else "",
            text=latest.text,
        )
    return SUBJECT(
        url=f"{row.edit_prefix}{ticket.pk}/",
        subject=ticket.subject,
        badge=row.new_badge if is_new(ticket) else EMPTY,
        preview=preview,
    )


def requester_cell(ticket: Ticket, row: RowContext) -> SafeString:
    customer = ticket.customer
    return PERSON(
        name=ticket.requester_display_name, customer="" if customer is None else str(customer)
    )


def status_cell(ticket: Ticket, row: RowContext) -> SafeString:
    status: Status = ticket.status
    return STATUS(
        closed=CLOSED if status.is_closed else EMPTY,
        style=colour_style(status.colour),
        name=status.label,
    )


def priority_cell(ticket: Ticket, row: RowContext) -> SafeString:
    priority: Priority | None = ticket.priority
    if priority is None:
        return EMPTY
    return PRIORITY(style=colour_style(priority.colour), name=priority.label)


def updated_cell(ticket: Ticket, row: RowContext) -> SafeString:
    updated = timezone.localtime(ticket.updated_at)
    return MOMENT(
        moment=dateformat.format(updated, row.moment_format),
        iso=updated.isoformat(),
        ago=row.ago(updated),
    )


def target_cell(ticket: Ticket, row: RowContext) -> SafeString:
    target: datetime.date | None = ticket.target_date
    if not target:
        return EMPTY
    return TARGET(
        overdue=OVERDUE_DATE if row.is_overdue(ticket) else EMPTY,
        date=dateformat.format(target, row.date_format),
    )


def sla_cell(ticket: Ticket, row: RowContext) -> SafeString:
    """The target due first and when, with a badge (in words) when it is due within the
    hour or breached; "Paused" while the ticket waits for the customer."""
    found = sla_display.next_due(ticket, row.now)
    if found is None:
        if ticket.sla_paused_at is not None and ticket.is_open:
            return row.sla_badges[sla_display.Standing.PAUSED]
        return EMPTY
    label, moment, standing = found
    moment = timezone.localtime(moment)
    urgent = standing in (sla_display.Standing.SOON, sla_display.Standing.BREACHED)
    return SLA(
        target=label,
        iso=moment.isoformat(),
        when=dateformat.format(moment, row.moment_format),
        badge=row.sla_badges[standing] if urgent else EMPTY,
    )


def _by(attname: str) -> Callable[[Ticket, RowContext], Hashable]:
    return lambda ticket, row: getattr(ticket, attname)


# The columns, in the order of the table and of the export -------------------------------

COLUMNS: tuple[InboxColumn, ...] = (
    InboxColumn(
        "select",
        "",
        cell=select_cell,
        export="",
        td='<td class="wt-select">{content}</td>',
        header_template="wagtail_tickets/admin/inbox_select_all.html",
        classname="wt-select",
    ),
    InboxColumn(
        "number", sort_key="number", cell=number_cell, td='<td class="wt-nowrap">{content}</td>'
    ),
    InboxColumn(
        "subject",
        _("Subject"),
        sort_key="subject",
        cell=subject_cell,
        td='<td class="wt-subject">{content}</td>',
        classname="wt-subject",
    ),
    InboxColumn(
        "requester",
        _("Requester"),
        sort_key="requester_name",
        cell=requester_cell,
        related=("requester__ticket_profile", "customer"),
        export="requester_display_name",
        td='<td class="wt-nowrap">{content}</td>',
    ),
    InboxColumn("requester_email", shown=False),
    # shown under the requester; sorted by links (``?ordering=customer``) and exported
    InboxColumn("customer", _("Customer"), sort_key="customer", shown=False),
    InboxColumn(
        "ticket_type",
        _("Type"),
        sort_key="ticket_type__name",
        same_cell=_by("ticket_type_id"),
        td='<td class="wt-nowrap">{content}</td>',
    ),
    InboxColumn(
        "status",
        _("Status"),
        sort_key="status__sort_order",
        cell=status_cell,
        same_cell=_by("status_id"),
    ),
    InboxColumn(
        "priority",
        _("Priority"),
        sort_key="priority__sort_order",
        cell=priority_cell,
        same_cell=_by("priority_id"),
    ),
    InboxColumn("category", shown=False),
    InboxColumn(
        "assignee",
        _("Assignee"),
        sort_key="assignee__first_name",
        cell=lambda ticket, row: agent_name(ticket.assignee),
        td='<td class="wt-nowrap">{content}</td>',
    ),
    InboxColumn("created_at", shown=False),
    InboxColumn(
        "updated_at",
        _("Last update"),
        sort_key="updated_at",
        cell=updated_cell,
        td='<td class="wt-nowrap">{content}</td>',
    ),
    InboxColumn(
        "target_date",
        _("Target date"),
        sort_key="target_date",
        cell=target_cell,
        same_cell=lambda ticket, row: (ticket.target_date, row.is_overdue(ticket)),
        td='<td class="wt-nowrap">{content}</td>',
    ),
    InboxColumn(
        "sla_next_due_at",
        _("Next due"),
        sort_key="sla_next_due_at",
        cell=sla_cell,
        td='<td class="wt-sla">{content}</td>',
        classname="wt-sla",
    ),
    InboxColumn("closed_at", shown=False),
)

_FIELD_NAMES = {f.name for f in Ticket._meta.fields}
SHOWN = tuple(column for column in COLUMNS if column.shown)
EXPORT_FIELDS = [column.export_field for column in COLUMNS if column.export_field]
# a field's heading is its verbose name (Wagtail's own); other attributes take the label
EXPORT_HEADINGS = {
    column.export_field: column.heading
    for column in SHOWN
    if column.export_field and column.export_field not in _FIELD_NAMES
}
# every foreign key a page of rows reads (``attach_related``) and the export's joins
SHOWN_FOREIGN_KEYS = tuple(dict.fromkeys(fk for column in SHOWN for fk in column.foreign_keys))
EXPORT_RELATED = tuple(dict.fromkeys(path for column in COLUMNS for path in column.select_related))


def _row_template(columns: tuple[InboxColumn, ...]) -> Html:
    """One template for a whole row: a hole per cell."""
    cells = "".join(
        column.td.replace("{content}", f"{{cell{index}}}") for index, column in enumerate(columns)
    )
    return Html(f"<tr{{row_attrs}}>{cells}</tr>")


ROW = _row_template(SHOWN)


# The table ----------------------------------------------------------------------------


class InboxTable(Table):
    """Overdue rows (target date passed, still open) stand out. The rows are written by
    ``rows_html``; Wagtail's columns (``InboxColumn.header``) give the headers and
    sorting."""

    template_name = "wagtail_tickets/admin/inbox_table.html"
    # set by the view when the listing stopped counting at its limit
    bounded_count: int | None = None
    # set by the view: the inbox's own URL, which the workspace URLs start with
    index_url: str = ""

    @cached_property
    def row_context(self) -> RowContext:
        return RowContext(self.index_url)

    def get_row_classname(self, instance):
        classes = ROW_CLASSES[self.row_context.is_overdue(instance), is_new(instance)]
        return classes[len(' class="') : -1] if classes else ""

    @cached_property
    def rows_html(self) -> SafeString:
        """The rows of the page, every cell through ``ROW`` (escaped); cells that
        declare ``same_cell`` are written once per distinct key."""
        row = self.row_context
        columns = [
            (f"cell{index}", column.value, column.same_cell) for index, column in enumerate(SHOWN)
        ]
        written: dict[tuple, object] = {}
        rows = []
        for ticket in self.data:
            values = {"row_attrs": ROW_CLASSES[row.is_overdue(ticket), is_new(ticket)]}
            for hole, value, same_cell in columns:
                if same_cell is None:
                    values[hole] = value(ticket, row)
                    continue
                key = (hole, same_cell(ticket, row))
                if key not in written:
                    written[key] = value(ticket, row)
                values[hole] = written[key]
            rows.append(ROW(**values))
        return join(rows)


class TimeAgo:
    """ "3 hours ago", as Wagtail's listings say it (the largest unit only), for many
    moments against the same now."""

    def __init__(self):
        self.now = timezone.now()
        self.zero = avoid_wrapping(gettext("0 minutes"))
        self.just_now = capfirst(gettext("just now"))
        self.template = gettext("%(time_period)s ago")

    def __call__(self, moment) -> str:
        period = timesince(moment, self.now, depth=1)
        if period == self.zero:
            return self.just_now
        return capfirst(self.template % {"time_period": period})


# Related rows -------------------------------------------------------------------------


def attach_related(
    tickets: list[Ticket],
    known: dict[str, dict] | None = None,
    names: tuple[str, ...] = SHOWN_FOREIGN_KEYS,
) -> list[Ticket]:
    """Give a page of tickets the rows its columns show (the foreign keys ``names``) with
    one plain query each, the people (assignee and requester, with their profiles)
    together, and none for those ``known`` already. ``prefetch_related`` costs several
    times more in Python for the same queries, and joining the tables cost PostgreSQL more
    time to plan than to run (the ticket table has many indexes to weigh)."""
    known = dict(known or {})
    fields = [Ticket._meta.get_field(name) for name in names]
    user_model = get_user_model()
    people = [f for f in fields if f.related_model is user_model]
    wanted = set().union(*(_ids(tickets, f) for f in people))
    if wanted:  # every person of the page in one query
        found = user_model._default_manager.select_related("ticket_profile")
        found = found.filter(pk__in=wanted).in_bulk()
        known.update((f.name, found) for f in people)
    for fk in fields:
        found = known.get(fk.name, {})
        if fk not in people and _ids(tickets, fk) - found.keys():
            found = fk.related_model._default_manager.filter(pk__in=_ids(tickets, fk)).in_bulk()
        for ticket in tickets:
            fk.set_cached_value(ticket, found.get(getattr(ticket, fk.attname)))
    return tickets


def _ids(tickets: list[Ticket], fk) -> set:
    return {getattr(ticket, fk.attname) for ticket in tickets} - {None}


@dataclass(frozen=True)
class LatestMessage:
    """The start of a ticket's newest message, as a row shows it: plain text, no HTML."""

    author: str
    text: str
    internal: bool


def shorten(text: str, length: int = PREVIEW_LENGTH) -> str:
    """``text`` on one line, cut at a word before ``length`` characters with an ellipsis."""
    line = " ".join(text.split())
    if len(line) <= length:
        return line
    cut = line[:length].rsplit(" ", 1)[0] if " " in line[:length] else line[:length]
    return cut.rstrip(" ,.;:") + "…"


def attach_latest_messages(tickets: list[Ticket]) -> list[Ticket]:
    """Give each ticket of a page its newest message as ``latest_message``, in one query
    whatever the page's length: the newest message of each ticket is found through the
    (ticket, sent) index, and only the start of its text is read. Internal notes count:
    the inbox lists the types the agent manages, whose notes they read."""
    if not tickets:
        return tickets
    newest = (
        Message.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")
    )
    page = Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])
    rows = Message.objects.filter(pk__in=page.values(newest=Subquery(newest[:1]))).values_list(
        "ticket_id", "author_name", "is_internal", Substr("body_text", 1, 3 * PREVIEW_LENGTH)
    )
    found = {
        ticket_id: LatestMessage(author=author, text=shorten(text or ""), internal=internal)
        for ticket_id, author, internal, text in rows
    }
    for ticket in tickets:
        ticket.latest_message = found.get(ticket.pk)
    return tickets
