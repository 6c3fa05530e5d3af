"""``manage.py rotate_ticket_secrets``: encrypt every stored mailbox secret again with the
newest key of ``ENCRYPTION_KEYS`` (see ``mail.encryption``)."""

from django.core.management.base import BaseCommand
from django.db import connections, router, transaction

from wagtail_tickets.mail.encryption import PREFIX, decrypt
from wagtail_tickets.models import Mailbox, OAuthApplication

SECRETS = (
    (Mailbox, ("password", "oauth_access_token", "oauth_refresh_token")),
    (OAuthApplication, ("client_secret",)),
)


def rotate_all() -> int:
    """Write every stored secret again under the newest key (after a new key was put first
    in ``ENCRYPTION_KEYS``); returns how many rows were written. A value no key opens is
    left as it is, so dropping a key too early loses nothing more than it already did."""
    written = 0
    with transaction.atomic():
        for model, fields in SECRETS:
            list(model.objects.select_for_update().values_list("pk", flat=True))  # lock them
            for pk, *stored in _raw_rows(model, fields):
                values = {}
                for name, raw in zip(fields, stored, strict=True):
                    if not raw:
                        continue
                    clear = decrypt(raw)
                    if clear or not raw.startswith(PREFIX):
                        values[name] = clear
                if values:
                    model.objects.filter(pk=pk).update(**values)
                    written += 1
    return written


def _raw_rows(model, fields):
    """``(pk, *stored values)`` as the database holds them (not decrypted)."""
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(model._meta.pk.column)}, {columns} FROM {quote(model._meta.db_table)}"
        )
        return cursor.fetchall()


class Command(BaseCommand):
    help = (
        "Encrypt mailbox passwords, OAuth2 client secrets and tokens again with the first "
        "key of ENCRYPTION_KEYS; run it after putting a new key first, before removing the "
        "old one."
    )

    def handle(self, *args, **options):
        written = rotate_all()
        self.stdout.write(f"Encrypted the secrets of {written} row(s) with the newest key.")
