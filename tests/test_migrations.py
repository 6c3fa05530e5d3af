"""The migrations stand on their own: they never call the app's live code (so an applied
migration means the same thing whatever the package says later), and the newest frozen
copy of the database machinery is what ``wagtail_tickets.db`` installs today."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.core.management import call_command

from wagtail_tickets.db import daily_totals, install
from wagtail_tickets.models import EmailTemplate

MIGRATIONS = Path(__file__).resolve().parent.parent / "wagtail_tickets" / "migrations"
PACKAGE = "wagtail_tickets"
# Django keeps field callables (a file name, a default) by reference to their module;
# a migration may name them, never call them
REFERENCE_MODULES = "wagtail_tickets.models."


def migration_files() -> list[Path]:
    return sorted(path for path in MIGRATIONS.glob("[0-9]*.py"))


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def live_code_uses(source: str) -> list[str]:
    """What in ``source`` (a migration) reaches into the app's live code."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or module == PACKAGE or module.startswith(PACKAGE + "."):
                found.append(f"line {node.lineno}: from {'.' * node.level}{module} import")
            elif module == "importlib":
                found.append(f"line {node.lineno}: from importlib import")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.name
                if name == "importlib":
                    found.append(f"line {node.lineno}: import importlib")
                elif name == PACKAGE or name.startswith(PACKAGE + "."):
                    if not name.startswith(REFERENCE_MODULES) or alias.asname:
                        found.append(f"line {node.lineno}: import {name}")
        elif isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            if name == "__import__" or name.split(".")[0] in (PACKAGE, "importlib"):
                found.append(f"line {node.lineno}: call of {name}")
    return found


@pytest.mark.parametrize("path", migration_files(), ids=lambda path: path.name)
def test_a_migration_makes_no_call_into_live_code(path):
    assert live_code_uses(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "from wagtail_tickets import derived",
        "from wagtail_tickets.db.install import install",
        "from .. import report_days",
        "from ..db import daily_totals",
        "def build(apps, schema_editor):\n"
        "    from wagtail_tickets.notifications.defaults import install_default_templates\n",
        "import wagtail_tickets.db.install",
        "import wagtail_tickets",
        "import wagtail_tickets.models.tickets as tickets",
        "import wagtail_tickets.models.tickets\n"
        "wagtail_tickets.models.tickets.attachment_upload_to(None, 'x')",
        "import importlib\nimportlib.import_module('wagtail_tickets.db')",
        "from importlib import import_module",
        "__import__('wagtail_tickets.db')",
    ],
)
def test_every_way_into_live_code_is_found(source):
    assert live_code_uses(source)


def test_a_reference_to_a_field_callable_is_allowed():
    source = (
        "import wagtail_tickets.models.tickets\n"
        "field = dict(upload_to=wagtail_tickets.models.tickets.attachment_upload_to)\n"
    )
    assert live_code_uses(source) == []


def newest_machinery():
    """The newest migration that carries a frozen copy of the database machinery."""
    carriers = [
        importlib.import_module(f"wagtail_tickets.migrations.{path.stem}")
        for path in migration_files()
    ]
    carriers = [module for module in carriers if hasattr(module, "POSTGRESQL")]
    assert carriers, "no migration carries the database machinery"
    return carriers[-1]


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite", "mysql"])
def test_the_frozen_triggers_are_what_the_package_installs(vendor):
    """When this fails, the SQL of ``wagtail_tickets.db`` changed: add a migration that
    carries the new statements (databases already migrated need them too)."""
    migration = newest_machinery()
    frozen = {"postgresql": migration.POSTGRESQL, "sqlite": migration.SQLITE}.get(vendor, [])
    removed = {"postgresql": migration.POSTGRESQL_REMOVE, "sqlite": migration.SQLITE_REMOVE}
    assert frozen == install.install_statements(vendor)
    assert removed.get(vendor, []) == install.uninstall_statements(vendor)


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "America/Argentina/Buenos_Aires"])
def test_the_frozen_daily_totals_are_what_the_package_installs(zone):
    migration = newest_machinery()
    assert migration.daily_totals(zone) == daily_totals.install_statements(zone)
    assert migration.DAILY_TOTALS_REMOVE == daily_totals.UNINSTALL


@pytest.mark.parametrize(
    "time_zone,use_tz",
    [
        ("Europe/Amsterdam", True),
        ("UTC", True),
        ("Europe/Amsterdam", False),
        ("Not/A_Zone", True),
        ("", True),
        ("../../etc", True),
        ("Europe/Amsterdam'; DROP TABLE wagtail_tickets_ticket; --", True),
        ("Europe/Amsterdam\n", True),
    ],
)
def test_the_migration_chooses_the_zone_as_the_package_does(settings, time_zone, use_tz):
    settings.TIME_ZONE = time_zone
    settings.USE_TZ = use_tz
    assert newest_machinery().site_zone() == daily_totals.site_zone()


@pytest.mark.parametrize(
    "name",
    [
        "Europe/Amsterdam'; DROP TABLE wagtail_tickets_ticket; --",
        "Europe/Amsterdam\n",
        "Europe/Amsterdam\n'",
        "../../etc",
        "Europe/Amsterdam$$",
        "",
    ],
)
def test_a_zone_name_is_checked_before_it_is_pasted_into_sql(name):
    with pytest.raises(ValueError):
        newest_machinery().daily_totals(name)
    with pytest.raises(ValueError):
        daily_totals.install_statements(name)


@pytest.mark.django_db
def test_a_later_migrate_does_not_bring_back_deleted_mail_templates():
    """The shipped templates come with the database's first ``migrate`` only; an
    administrator's deletions stay deleted (``install_email_templates`` restores them)."""
    assert EmailTemplate.objects.filter(ticket_type=None).exists()
    EmailTemplate.objects.filter(kind="claimed").delete()
    call_command("migrate", verbosity=0)
    assert not EmailTemplate.objects.filter(kind="claimed").exists()
    assert EmailTemplate.objects.filter(kind="auto_reply").exists()
