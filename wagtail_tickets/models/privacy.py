"""Requests about a person's data (an export or an erasure), worked through by the task
queue in batches.

While a request runs it names the person (``subject``: ids, addresses and the words that
identify them); when it is done that is cleared, and the row stays as the audit record:
who asked, when, what was done and how many rows it touched, without the data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .tickets import attachment_storage


class PersonalDataRequest(models.Model):
    class Action(models.TextChoices):
        EXPORT = "export", _("Export")
        ANONYMISE = "anonymise", _("Anonymise")
        DELETE = "delete", _("Delete")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    # who the request is about while it runs; emptied when it is done
    subject = models.JSONField(default=dict, blank=True, editable=False)
    # how the person was named, without naming them ("user", "customer record", "address")
    subject_kind = models.CharField(_("found by"), max_length=20)
    include_internal = models.BooleanField(_("with internal notes"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # the step being worked on and the rows each finished step touched
    step = models.CharField(max_length=50, blank=True, editable=False)
    progress = models.JSONField(_("progress"), default=dict, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True, editable=False)
    # an export's archive, for the administrator who asked, until it expires
    archive = models.FileField(
        max_length=255, blank=True, editable=False, storage=attachment_storage
    )
    expires_at = models.DateTimeField(_("download expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk}"

    @property
    def total(self) -> int:
        return sum(v for v in self.progress.values() if isinstance(v, int))
