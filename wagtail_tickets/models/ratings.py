"""Satisfaction ratings: what a requester thought of the answer to a closed ticket.

One rating per ticket (its requester may change it for ``RATING_DAYS`` after closing,
``permissions.rating_deadline``); written only by ``actions.rate_ticket``. The agent it
credits is the ticket's assignee when it was rated, so reassigning a ticket later does not
move the rating to someone who never answered it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tickets import Ticket


class Rating(models.Model):
    class Score(models.TextChoices):
        GOOD = "good", _("Good")
        OKAY = "okay", _("Okay")
        BAD = "bad", _("Bad")

    class Via(models.TextChoices):
        MAIL_LINK = "mail_link", _("Link in the rating request mail")
        CUSTOMER_AREA = "customer_area", _("Customer area")
        PRIVATE_LINK = "private_link", _("Private link of the external page")

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("ticket")
    )
    score = models.CharField(_("rating"), max_length=10, choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True)
    # the account that rated, when it was signed in as the requester; empty for a link
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("rated by"),
    )
    via = models.CharField(_("rated through"), max_length=20, choices=Via.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    ticket_type = models.ForeignKey(
        "wagtail_tickets.TicketType",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ticket type"),
    )
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        indexes = [
            models.Index(fields=["created_at"], name="wt_rating_created"),
            models.Index(fields=["agent", "created_at"], name="wt_rating_agent"),
            models.Index(fields=["score", "ticket"], name="wt_rating_score"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.get_score_display()}"
