"""System checks: catch a broken configuration at startup, not at the first ticket."""

from collections.abc import Mapping
from difflib import get_close_matches

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .conf import app_settings, option_names
from .numbering import format_fields

# Longest part of an unknown key compared with the known names (difflib's matching grows
# with the product of the lengths).
_MATCHED_KEY_LENGTH = 64


@register(Tags.compatibility)
def check_option_names(app_configs, **kwargs) -> list[CheckMessage]:
    """``WAGTAIL_TICKETS`` is a dictionary of known options: a misspelt key would
    otherwise leave its option at the default without a word (W001, with the closest known
    name). ``CUSTOMERS_MAY_CLOSE`` only seeds the ticket options' field (W002)."""
    options = getattr(settings, "WAGTAIL_TICKETS", None)
    if options is None:
        return []
    if not isinstance(options, Mapping):
        return [
            Error(
                "WAGTAIL_TICKETS must be a dictionary of options; it is ignored.",
                hint='For example WAGTAIL_TICKETS = {"PAGE_SIZE": 50}.',
                id="wagtail_tickets.E004",
            )
        ]
    known = option_names()
    found: list[CheckMessage] = []
    for key in options:
        if isinstance(key, str) and key in known:
            continue
        name = str(key)[:_MATCHED_KEY_LENGTH]
        close = get_close_matches(name.upper(), sorted(known), n=1)
        found.append(
            Warning(
                f"WAGTAIL_TICKETS[{name!r}] is not an option of wagtail-tickets; it is ignored.",
                hint=(
                    f"Did you mean {close[0]!r}?"
                    if close
                    else "The options are listed in the README (Options)."
                ),
                id="wagtail_tickets.W001",
            )
        )
    if "CUSTOMERS_MAY_CLOSE" in options:
        found.append(
            Warning(
                "WAGTAIL_TICKETS['CUSTOMERS_MAY_CLOSE'] is deprecated: it only gives "
                '"customers may close their tickets" its first value, on a site whose ticket '
                "options were never stored. A stored value always wins.",
                hint="Administrators change it in Settings → Ticket options; remove the key.",
                id="wagtail_tickets.W002",
            )
        )
    return found


@register(Tags.compatibility)
def check_option_values(app_configs, **kwargs) -> list[CheckMessage]:
    """Every option can be read: a value of the wrong type, a network that is no network or
    a mail authentication mode without its server's id fails here, at startup, instead of
    in the first request or mail import that reads it (E005)."""
    options = getattr(settings, "WAGTAIL_TICKETS", None)
    if not isinstance(options, Mapping):
        return []
    found: list[CheckMessage] = []
    for name in sorted(option_names() & set(options)):
        try:
            getattr(app_settings, name)
        except (ImproperlyConfigured, TypeError, ValueError) as exc:
            found.append(
                Error(
                    f"WAGTAIL_TICKETS[{name!r}] is invalid: {exc}",
                    hint="The options and their values are listed in the README (Options).",
                    id="wagtail_tickets.E005",
                )
            )
    return found


@register(Tags.compatibility)
def check_number_format(app_configs, **kwargs):
    try:
        format_fields(app_settings.NUMBER_FORMAT)
    except ValueError as exc:
        return [
            Error(
                f"WAGTAIL_TICKETS['NUMBER_FORMAT'] is invalid: {exc}",
                hint="Use {seq} with optional {year}, {year2} and {month}: '{year2}{seq:04d}'.",
                id="wagtail_tickets.E001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_sanitizer(app_configs, **kwargs):
    if app_settings.SANITIZER not in ("bleach", "nh3"):
        return [
            Error(
                "WAGTAIL_TICKETS['SANITIZER'] must be 'bleach' or 'nh3'.",
                id="wagtail_tickets.E002",
            )
        ]
    return []


@register(Tags.compatibility)
def check_attachment_storage(app_configs, **kwargs) -> list[CheckMessage]:
    """The attachment storage is an entry of ``STORAGES`` (E006); signed download URLs need
    a storage that signs them, else downloads stay streamed (W003)."""
    from django.core.files.storage import InvalidStorageError

    from .storage import backend

    try:
        storage = backend()
    except InvalidStorageError:
        return [
            Error(
                f"WAGTAIL_TICKETS['ATTACHMENT_STORAGE'] is {app_settings.ATTACHMENT_STORAGE!r}, "
                "which is not an entry of STORAGES.",
                hint='Add it to STORAGES or remove the option (default "default").',
                id="wagtail_tickets.E006",
            )
        ]
    except (ImproperlyConfigured, ImportError) as exc:
        return [
            Error(
                f"The attachment storage cannot be loaded: {exc}",
                hint="For S3: pip install 'wagtail-tickets[s3]'.",
                id="wagtail_tickets.E006",
            )
        ]
    if app_settings.ATTACHMENT_SIGNED_URL_SECONDS and not getattr(
        storage, "querystring_auth", False
    ):
        return [
            Warning(
                "WAGTAIL_TICKETS['ATTACHMENT_SIGNED_URL_SECONDS'] is set but the attachment "
                "storage does not sign its URLs: downloads are streamed through Django.",
                hint="Use a storage with signed URLs (django-storages S3 with "
                "querystring_auth) or remove the option.",
                id="wagtail_tickets.W003",
            )
        ]
    return []


CUSTOMER_MODEL_HINT = (
    "The customer model cannot change after the first migrate. Set "
    "WAGTAIL_TICKETS_CUSTOMER_MODEL back to {old!r}. To start over with the new model on a "
    "site whose tickets you do not need: with the old setting run "
    "`python manage.py migrate wagtail_tickets zero` (this deletes every ticket), then set "
    "the new model and run `python manage.py migrate`. See the installation guide, "
    '"Changing the customer model".'
)


@register(Tags.database)
def check_customer_model_history(app_configs, databases=None, **kwargs) -> list[CheckMessage]:
    """The configured customer model is the one this database's tickets were built with
    (E301). Changed after the first migrate, ``migrate`` would stop with Django's
    InconsistentMigrationHistory, or tickets would point at the wrong table. Runs with
    ``migrate`` and ``check --database``: two small queries and one table's constraints."""
    found: list[CheckMessage] = []
    for alias in databases or ():
        found.extend(_customer_model_history(alias))
    return found


def _customer_model_history(alias: str) -> list[CheckMessage]:
    from django.apps import apps
    from django.db import DatabaseError, connections, router
    from django.db.migrations.recorder import MigrationRecorder

    from .conf import get_customer_model, get_customer_model_string
    from .models import Ticket

    if not router.allow_migrate_model(alias, Ticket):
        return []
    connection = connections[alias]
    try:
        customer_model = get_customer_model()
    except ImproperlyConfigured:
        return []  # Django's own checks name a model that is not installed
    customer_app = customer_model._meta.app_label
    column = Ticket._meta.get_field("customer").column
    try:
        with connection.cursor() as cursor:
            tables = set(connection.introspection.table_names(cursor))
            if not {MigrationRecorder.Migration._meta.db_table, Ticket._meta.db_table} <= tables:
                return []
            rows = MigrationRecorder(connection).migration_qs.filter(
                app__in=["wagtail_tickets", customer_app]
            )
            applied = list(rows.values_list("app", "name", "applied"))
            relations = connection.introspection.get_relations(cursor, Ticket._meta.db_table)
    except DatabaseError:
        return []  # no database to ask (yet): nothing to compare
    first = ("wagtail_tickets", "0001_initial")
    ours = [when for app, name, when in applied if (app, name) == first]
    if not ours:
        return []
    configured = get_customer_model_string()
    targets = {relations[column][1]} if column in relations else set()
    if targets and customer_model._meta.db_table not in targets:
        table = sorted(targets)[0]
        old = next((m._meta.label for m in apps.get_models() if m._meta.db_table == table), table)
        return [
            Error(
                f"WAGTAIL_TICKETS_CUSTOMER_MODEL is {configured!r}, but the tickets in database "
                f"{alias!r} were created for {old!r} (their customer refers to table "
                f"{table!r}).",
                hint=CUSTOMER_MODEL_HINT.format(old=old),
                id="wagtail_tickets.E301",
            )
        ]
    if customer_app == "wagtail_tickets":
        return []
    theirs = [when for app, _name, when in applied if app == customer_app]
    if not theirs and not _has_migrations(customer_app):
        return []  # an app without migrations: nothing to be applied in the wrong order
    if not theirs or min(theirs) > ours[0]:
        return [
            Error(
                f"WAGTAIL_TICKETS_CUSTOMER_MODEL is {configured!r}, but wagtail-tickets was "
                f"migrated in database {alias!r} before the app {customer_app!r}: it was "
                "installed with another customer model, and `migrate` stops with "
                "InconsistentMigrationHistory.",
                hint=CUSTOMER_MODEL_HINT.format(old="the model of your first migrate"),
                id="wagtail_tickets.E301",
            )
        ]
    return []


def _has_migrations(app_label: str) -> bool:
    from importlib.util import find_spec

    from django.db.migrations.loader import MigrationLoader

    module, _explicit = MigrationLoader.migrations_module(app_label)
    try:
        return module is not None and find_spec(module) is not None
    except ImportError:
        return False


# Checks of the external page live beside the code they guard; importing registers them.
from .external import framing as _external_framing  # noqa: E402,F401
