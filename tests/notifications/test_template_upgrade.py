"""The migration that brings the shipped email texts of earlier versions up to date:
templates still exactly as shipped take the new text, edited ones stay, and a site gets
the templates of the new kind "assigned"."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from tests.factories import TicketTypeFactory
from wagtail_tickets.models import EmailTemplate
from wagtail_tickets.notifications.defaults import DEFAULT_TEMPLATES

pytestmark = pytest.mark.django_db
migration = importlib.import_module("wagtail_tickets.migrations.0006_mail_assigned_kind")
EDITOR = SimpleNamespace(connection=connection)


def as_before() -> None:
    """The general templates as the former version shipped them, without "assigned"."""
    EmailTemplate.objects.filter(kind="assigned").delete()
    for kind, languages in migration.CHANGED_TEXTS.items():
        for language, (old, _new) in languages.items():
            EmailTemplate.objects.filter(kind=kind, language=language, ticket_type=None).update(
                subject=old[0], body=old[1]
            )


def general(kind: str, language: str) -> EmailTemplate:
    return EmailTemplate.objects.get(kind=kind, language=language, ticket_type=None)


def test_untouched_templates_follow_the_new_texts_and_edited_ones_stay():
    as_before()
    edited = general("default_reply", "de")
    edited.body = "Guten Tag {contact:first_name},\n\n{MESSAGE}\n\nIhr Team"
    edited.save()
    saved_in_the_admin = general("default_reply", "nl")
    saved_in_the_admin.body = saved_in_the_admin.body.replace("\n", "\r\n")
    saved_in_the_admin.save()
    old_reply = migration.CHANGED_TEXTS["default_reply"]["en"][0]
    own_copy = EmailTemplate.objects.create(
        kind="default_reply",
        ticket_type=TicketTypeFactory(name="Printers"),
        language="en",
        subject=old_reply[0],
        body=old_reply[1],
    )

    migration.follow_the_shipped_texts(apps, EDITOR)

    assert general("default_reply", "en").body == DEFAULT_TEMPLATES["default_reply"]["en"][1]
    assert general("default_reply", "nl").body == DEFAULT_TEMPLATES["default_reply"]["nl"][1]
    assert general("claimed", "it").body.startswith("{GREETING}\n\n")
    assert general("default_reply", "de").body == edited.body  # an administrator's text
    own_copy.refresh_from_db()
    assert own_copy.body == old_reply[1]  # a type's own template is the site's
    for language in ("en", "de", "nl", "it"):
        assigned = general("assigned", language)
        assert assigned.active and "{AGENT}" in assigned.body


def test_going_back_restores_the_former_texts():
    as_before()
    migration.follow_the_shipped_texts(apps, EDITOR)
    edited = general("assigned", "en")
    edited.body = "Yours now."
    edited.save()
    migration.back_to_the_former_texts(apps, EDITOR)
    old_reply = migration.CHANGED_TEXTS["default_reply"]["en"][0]
    assert general("default_reply", "en").body == old_reply[1]
    assert list(EmailTemplate.objects.filter(kind="assigned").values_list("body", flat=True)) == [
        "Yours now."
    ]


def test_a_database_without_templates_gets_none_from_the_migration():
    """A new database gets every shipped template after its first ``migrate``."""
    EmailTemplate.objects.all().delete()
    migration.follow_the_shipped_texts(apps, EDITOR)
    assert not EmailTemplate.objects.exists()
