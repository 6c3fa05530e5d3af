"""What administrators configure: types and their groups, statuses, priorities, categories
and the per-type permission levels of Wagtail groups."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..seeded import priority_label, status_label

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #rrggbb, for example #2e7d32.")
)


class Ordered(models.Model):
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]


class TicketTypeGroup(Ordered):
    """Groups types in menus and filters, e.g. "Products" holding several types."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta(Ordered.Meta):
        verbose_name = _("ticket type group")
        verbose_name_plural = _("ticket type groups")

    def __str__(self) -> str:
        return self.name


class TicketType(Ordered):
    """A queue of tickets with its own permissions."""

    class Visibility(models.TextChoices):
        OWN = "own", _("Only their own tickets")
        COMPANY = "company", _("Their own and their company's tickets")
        ALL = "all", _("Tickets of all users (show other users' tickets)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    group = models.ForeignKey(
        TicketTypeGroup,
        verbose_name=_("type group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="types",
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Shown on hover where the type is chosen.")
    )
    visibility = models.CharField(
        _("customers see"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.COMPANY,
        help_text=_("Which tickets of this type a user with read permission sees."),
    )
    customer_can_choose_priority = models.BooleanField(
        _("customers choose the priority"), default=False
    )
    email_to = models.TextField(
        _("email to"),
        blank=True,
        help_text=_("Addresses told about new tickets of this type, one per line."),
    )
    sender_name = models.CharField(_("alternative sender name"), max_length=100, blank=True)
    sender_email = models.EmailField(_("alternative sender address"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    asks_for_rating = models.BooleanField(
        _("ask for a rating"),
        default=False,
        help_text=_(
            "When an agent closes a ticket of this type, or it is closed automatically, its "
            "requester is mailed a request to rate the answer (good, okay or bad)."
        ),
    )
    signed_in_level = models.PositiveSmallIntegerField(
        _("every signed-in user may"),
        null=True,
        blank=True,
        choices=[
            (10, _("Read (own tickets)")),
            (20, _("Create")),
            (30, _("Write (reply and close)")),
        ],
        help_text=_(
            "A level that every signed-in user holds on this type without being in a group, "
            "for sites where customers register themselves. Empty: only the groups' levels."
        ),
    )

    class Meta(Ordered.Meta):
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")

    def __str__(self) -> str:
        return self.name


class StatusQuerySet(models.QuerySet):
    def default(self) -> Status | None:
        return self.filter(is_closed=False).order_by("-is_default", "sort_order", "pk").first()

    def closed_default(self) -> Status | None:
        return self.filter(is_closed=True).order_by("-is_default", "sort_order", "pk").first()


class Status(Ordered):
    """A step of the workflow. Customers see what it means for them (``customer_label``)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    is_closed = models.BooleanField(
        _("closed"), default=False, help_text=_("Tickets in this status count as closed.")
    )
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("New tickets get this status (and closed tickets the closed default)."),
    )
    waits_for_customer = models.BooleanField(
        _("waiting for the customer"),
        default=False,
        help_text=_(
            "Open tickets in this status wait for the customer's answer: customers see "
            '"Waiting for your answer" instead of "With us".'
        ),
    )
    colour = models.CharField(
        _("colour"), max_length=7, default="#5c6f7e", validators=[colour_validator]
    )

    objects = StatusQuerySet.as_manager()

    class Meta(Ordered.Meta):
        verbose_name = _("status")
        verbose_name_plural = _("statuses")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name as agents read it: a seeded name in their language until renamed."""
        return status_label(self.name)

    # what a status means to customers, as ``customer_state`` names it
    WITH_US, WAITING, CLOSED = "with_us", "waiting", "closed"

    @property
    def customer_state(self) -> str:
        """Whose turn it is, as a key: ``with_us``, ``waiting`` (for the customer's
        answer) or ``closed``; ``customer_label`` is its phrase."""
        if self.is_closed:
            return self.CLOSED
        return self.WAITING if self.waits_for_customer else self.WITH_US

    @property
    def customer_label(self) -> str:
        """The one phrase customers see for this status: whose turn it is."""
        return customer_state_label(self.customer_state)

    def is_used(self) -> bool:
        return self.tickets.exists()


def customer_state_label(state: str) -> str:
    """The phrase customers see for a ``Status.customer_state`` key."""
    if state == Status.CLOSED:
        return str(_("Closed"))
    if state == Status.WAITING:
        return str(_("Waiting for your answer"))
    return str(_("With us"))


class Priority(Ordered):
    name = models.CharField(_("name"), max_length=60, unique=True)
    colour = models.CharField(
        _("colour"), max_length=7, default="#5c6f7e", validators=[colour_validator]
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta(Ordered.Meta):
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name as people read it: a seeded name in their language until renamed."""
        return priority_label(self.name)


class Category(Ordered):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta(Ordered.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class TypePermission(models.Model):
    """The level a Wagtail group holds on one ticket type.

    Levels are cumulative: ``write`` includes ``create`` and ``read``; ``manage`` makes the
    group's members agents of the type. The rules that use them live in ``permissions.py``.
    """

    class Level(models.IntegerChoices):
        READ = 10, _("Read (own tickets)")
        CREATE = 20, _("Create")
        WRITE = 30, _("Write (reply and close)")
        DELETE = 40, _("Delete (own tickets)")
        MANAGE = 50, _("Manage (agent)")

    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="ticket_type_permissions"
    )
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, related_name="group_permissions"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)

    class Meta:
        verbose_name = _("ticket type permission")
        verbose_name_plural = _("ticket type permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "ticket_type"], name="wagtail_tickets_one_level_per_group_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} / {self.ticket_type}: {self.get_level_display()}"
