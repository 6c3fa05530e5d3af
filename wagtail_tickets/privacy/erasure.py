"""Erasure of a person's data: anonymise (tickets and statistics kept, the person's name,
addresses and text replaced) or delete (their tickets go, files included).

A ``PersonalDataRequest`` carries the work: each holder's rows are erased in batches of
``BATCH_SIZE``, each batch in its own short transaction, and the request records the step
and the rows touched after every batch. A run that dies is started again and carries on;
a finished request is not run again. When done, the request forgets the person and stays
as the audit record.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from ..models import PersonalDataRequest
from . import holders as holder_registry
from .person import Person

logger = logging.getLogger("wagtail_tickets.privacy")

# rows per transaction: each lock is short, whatever the person's number of tickets
BATCH_SIZE = 200

Action = PersonalDataRequest.Action
State = PersonalDataRequest.State


def request_erasure(person: Person, mode: str, *, requested_by=None) -> PersonalDataRequest:
    """A request to erase ``person``'s data (``"anonymise"`` or ``"delete"``), not yet run."""
    if mode not in (Action.ANONYMISE, Action.DELETE):
        raise ValueError(f"unknown erasure mode {mode!r}")
    return PersonalDataRequest.objects.create(
        action=mode,
        subject=person.as_json(),
        subject_kind=person.kind,
        requested_by=requested_by,
    )


def _claim(request_id: int) -> PersonalDataRequest | None:
    """Mark the request as running unless it is done; None when there is nothing to do."""
    with transaction.atomic():
        request = (
            PersonalDataRequest.objects.select_for_update()
            .filter(pk=request_id, action__in=(Action.ANONYMISE, Action.DELETE))
            .exclude(state=State.DONE)
            .first()
        )
        if request is None:
            return None
        request.state = State.RUNNING
        request.started_at = request.started_at or timezone.now()
        request.error = ""
        request.save(update_fields=["state", "started_at", "error"])
    return request


def run_erasure(request_id: int, *, batch_size: int = BATCH_SIZE) -> PersonalDataRequest | None:
    """Work the request through to the end (or until an error, recorded on the request and
    raised again). Returns the request, or None when it is done already or unknown."""
    request = _claim(request_id)
    if request is None:
        return None
    person = Person.from_json(request.subject)
    steps = holder_registry.holders()
    keys = [h.key for h in steps]
    start = keys.index(request.step) if request.step in keys else 0
    try:
        for holder in steps[start:]:
            if request.step != holder.key:
                request.step = holder.key
                request.save(update_fields=["step"])
            while True:
                with transaction.atomic():
                    touched = holder.erase(person, request.action, batch_size)
                    if touched:
                        request.progress[holder.key] = request.progress.get(holder.key, 0) + touched
                        request.save(update_fields=["progress"])
                if touched < batch_size:
                    break
    except Exception as exc:
        PersonalDataRequest.objects.filter(pk=request.pk).update(
            state=State.FAILED, error=f"{type(exc).__name__} in step {request.step}"
        )
        logger.exception("Personal data request %s stopped in step %s", request.pk, request.step)
        raise
    request.state = State.DONE
    request.step = ""
    request.subject = {}
    request.finished_at = timezone.now()
    request.save(update_fields=["state", "step", "subject", "finished_at"])
    logger.info(
        "Personal data request %s (%s) done: %s",
        request.pk,
        request.action,
        ", ".join(f"{key} {count}" for key, count in sorted(request.progress.items())) or "nothing",
    )
    return request
