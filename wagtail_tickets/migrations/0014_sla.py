"""Service levels: calendars, customer tiers, SLA policies and the due times on tickets.

The data step creates the default "24/7" calendar (open all week, UTC) with literal
values: a migration never calls the app's live code. The customer model is read from the
setting here, as in 0001.
"""

import datetime

import django.core.validators
import django.db.models.deletion
import modelcluster.fields
from django.conf import settings
from django.db import migrations, models

CUSTOMER_MODEL = (
    getattr(settings, "WAGTAIL_TICKETS_CUSTOMER_MODEL", None) or settings.AUTH_USER_MODEL
)


# Migrating back removes the ticket's SLA fields, which SQLite does by rebuilding the ticket
# table; the triggers that read it would stop the rename, so they are dropped first and
# ``db.install.after_migrate`` puts them back once ``migrate`` ends (frozen names).
SQLITE_TRIGGERS = [
    "wagtail_tickets_ticket_is_open_insert",
    "wagtail_tickets_ticket_is_open_update",
    "wagtail_tickets_status_is_closed",
]


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_default_calendar(apps, schema_editor):
    Calendar = apps.get_model("wagtail_tickets", "Calendar")
    CalendarRange = apps.get_model("wagtail_tickets", "CalendarRange")
    if Calendar.objects.exists():
        return
    calendar = Calendar.objects.create(name="24/7", time_zone="UTC", is_default=True)
    midnight = datetime.time(0, 0)
    CalendarRange.objects.bulk_create(
        CalendarRange(calendar=calendar, weekday=day, start=midnight, end=midnight)
        for day in range(7)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("wagtail_tickets", "0013_ratings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(CUSTOMER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="sla_clock_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_first_response_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="first response due"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_first_response_seconds",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_first_response_started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_first_response_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No target"),
                    ("running", "Running"),
                    ("paused", "Paused"),
                    ("met", "Met"),
                    ("breached", "Breached"),
                ],
                default="",
                editable=False,
                max_length=10,
                verbose_name="first response SLA",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="next due"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_due_target",
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_response_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="next response due"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_response_seconds",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_response_started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_next_response_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No target"),
                    ("running", "Running"),
                    ("paused", "Paused"),
                    ("met", "Met"),
                    ("breached", "Breached"),
                ],
                default="",
                editable=False,
                max_length=10,
                verbose_name="next response SLA",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_paused_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="SLA paused"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_resolution_due_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="resolution due"
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_resolution_seconds",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_resolution_started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_resolution_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "No target"),
                    ("running", "Running"),
                    ("paused", "Paused"),
                    ("met", "Met"),
                    ("breached", "Breached"),
                ],
                default="",
                editable=False,
                max_length=10,
                verbose_name="resolution SLA",
            ),
        ),
        migrations.CreateModel(
            name="Calendar",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                (
                    "time_zone",
                    models.CharField(default="UTC", max_length=64, verbose_name="time zone"),
                ),
                (
                    "is_default",
                    models.BooleanField(
                        default=False,
                        help_text="Used by targets without a calendar of their own, and to count business time to first response and resolution for every ticket.",
                        verbose_name="default",
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "business-hours calendar",
                "verbose_name_plural": "business-hours calendars",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)),
                        fields=("is_default",),
                        name="wt_calendar_one_default",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CalendarHoliday",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                ("yearly", models.BooleanField(default=False, verbose_name="every year")),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                (
                    "calendar",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="holidays",
                        to="wagtail_tickets.calendar",
                    ),
                ),
            ],
            options={
                "verbose_name": "holiday",
                "verbose_name_plural": "holidays",
                "ordering": ["date", "pk"],
            },
        ),
        migrations.CreateModel(
            name="CalendarRange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Monday"),
                            (1, "Tuesday"),
                            (2, "Wednesday"),
                            (3, "Thursday"),
                            (4, "Friday"),
                            (5, "Saturday"),
                            (6, "Sunday"),
                        ],
                        verbose_name="day",
                    ),
                ),
                ("start", models.TimeField(verbose_name="from")),
                (
                    "end",
                    models.TimeField(
                        help_text="00:00 means until midnight; an earlier time runs past midnight.",
                        verbose_name="to",
                    ),
                ),
                (
                    "calendar",
                    modelcluster.fields.ParentalKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ranges",
                        to="wagtail_tickets.calendar",
                    ),
                ),
            ],
            options={
                "verbose_name": "business hours",
                "verbose_name_plural": "business hours",
                "ordering": ["weekday", "start", "pk"],
            },
        ),
        migrations.CreateModel(
            name="CustomerTier",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                (
                    "customers",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=CUSTOMER_MODEL,
                        verbose_name="customer records",
                    ),
                ),
            ],
            options={
                "verbose_name": "customer tier",
                "verbose_name_plural": "customer tiers",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="SlaPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sort_order", models.PositiveIntegerField(default=0, verbose_name="order")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="name")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "first_response_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="In business minutes. Empty: no target.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(525600),
                        ],
                        verbose_name="first response within",
                    ),
                ),
                (
                    "next_response_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="In business minutes. Empty: no target.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(525600),
                        ],
                        verbose_name="next response within",
                    ),
                ),
                (
                    "resolution_minutes",
                    models.PositiveIntegerField(
                        blank=True,
                        help_text="In business minutes. Empty: no target.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(525600),
                        ],
                        verbose_name="resolution within",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: any customer.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=CUSTOMER_MODEL,
                        verbose_name="customer record",
                    ),
                ),
                (
                    "customer_tier",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: any customer, in a tier or not.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="policies",
                        to="wagtail_tickets.customertier",
                        verbose_name="customer tier",
                    ),
                ),
                (
                    "first_response_calendar",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: the default calendar.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtail_tickets.calendar",
                        verbose_name="first response calendar",
                    ),
                ),
                (
                    "next_response_calendar",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: the default calendar.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtail_tickets.calendar",
                        verbose_name="next response calendar",
                    ),
                ),
                (
                    "priority",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: any priority.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="wagtail_tickets.priority",
                        verbose_name="priority",
                    ),
                ),
                (
                    "resolution_calendar",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: the default calendar.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="wagtail_tickets.calendar",
                        verbose_name="resolution calendar",
                    ),
                ),
                (
                    "ticket_type",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: any type.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="wagtail_tickets.tickettype",
                        verbose_name="type",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA policy",
                "verbose_name_plural": "SLA policies",
                "ordering": ["sort_order", "pk"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="ticket",
            name="sla_policy",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="wagtail_tickets.slapolicy",
                verbose_name="SLA policy",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("sla_next_due_at__isnull", False)),
                fields=["sla_next_due_at"],
                name="wt_ticket_sla_next_due",
            ),
        ),
        migrations.RunPython(create_default_calendar, migrations.RunPython.noop),
        # unapplied first when migrating back: see ``drop_sqlite_triggers``
        migrations.RunPython(migrations.RunPython.noop, drop_sqlite_triggers),
    ]
