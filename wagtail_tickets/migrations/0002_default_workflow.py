"""Seed the default workflow, the priorities and the "empty answer" response template
on a fresh install, so the first ticket can be opened and answered right after
``migrate``. Administrators rename, recolour or delete them. (``tickets_demo`` calls
``seed`` again when an administrator removed every status.)"""

from django.db import migrations

STATUSES = [
    # name, closed, default, colour
    ("Open", False, True, "#1565c0"),
    ("In progress", False, False, "#ef6c00"),
    ("Report", False, False, "#6a1b9a"),
    ("Answer", False, False, "#00838f"),
    ("Closed", True, True, "#2e7d32"),
]
PRIORITIES = [
    ("Low", False, "#78909c"),
    ("Normal", True, "#1565c0"),
    ("High", False, "#ef6c00"),
    ("Urgent", False, "#c62828"),
]


def seed(apps, schema_editor):
    Status = apps.get_model("wagtail_tickets", "Status")
    Priority = apps.get_model("wagtail_tickets", "Priority")
    if not Status.objects.exists():
        for order, (name, closed, default, colour) in enumerate(STATUSES):
            Status.objects.create(
                name=name, is_closed=closed, is_default=default, colour=colour, sort_order=order
            )
    if not Priority.objects.exists():
        for order, (name, default, colour) in enumerate(PRIORITIES):
            Priority.objects.create(name=name, is_default=default, colour=colour, sort_order=order)


def seed_empty_answer(apps, schema_editor):
    """The default "empty answer" response template, so agents start from it."""
    ResponseTemplate = apps.get_model("wagtail_tickets", "ResponseTemplate")
    if not ResponseTemplate.objects.exists():
        ResponseTemplate.objects.create(name="Empty answer", body="", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("wagtail_tickets", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(seed_empty_answer, migrations.RunPython.noop),
    ]
