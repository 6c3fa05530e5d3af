"""conf.py is the one home of what the package reads from the site's settings: its own
options, and the site's languages, default sender and customer model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wagtail_tickets
from wagtail_tickets import conf

PACKAGE = Path(wagtail_tickets.__file__).parent

# Reads of the site settings conf.py answers for (its functions say what each is for).
SITE_SETTING_READ = re.compile(
    r"settings\s*\.\s*(LANGUAGES|LANGUAGE_CODE|DEFAULT_FROM_EMAIL|WAGTAIL_TICKETS)\b"
    r"|getattr\(\s*settings\s*,\s*[\"'](LANGUAGES|LANGUAGE_CODE|DEFAULT_FROM_EMAIL|WAGTAIL_TICKETS)\b"
    # the customer model compared with the user model
    r"|get_customer_model(_string)?\(\)[^#]*(==|\bis\b)|AUTH_USER_MODEL\b[^,]*(==|\bis\b)"
)


def test_only_conf_reads_the_site_settings_it_answers_for():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ("conf.py", "checks.py") or relative.startswith("migrations/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SITE_SETTING_READ.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_languages(settings):
    settings.LANGUAGES = [("en", "English"), ("de", "German")]
    settings.LANGUAGE_CODE = "de"
    assert conf.languages() == [("en", "English"), ("de", "German")]
    assert conf.language_codes() == {"en", "de"}
    assert conf.default_language() == "de"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Help Desk <help@example.com>", ("Help Desk", "help@example.com")),
        ("help@example.com", ("", "help@example.com")),
        ("", ("", "")),
        (None, ("", "")),
    ],
)
def test_default_sender(settings, value, expected):
    settings.DEFAULT_FROM_EMAIL = value
    sender = conf.default_sender()
    assert sender == expected
    assert (sender.name, sender.address) == expected


def test_default_sender_is_the_from_of_ticket_mail_and_known_as_ours(settings, db):
    from wagtail_tickets.mail.classify import own_addresses_for
    from wagtail_tickets.models import TicketType
    from wagtail_tickets.notifications.notifier import Notifier

    settings.DEFAULT_FROM_EMAIL = "Help Desk <desk@example.com>"
    ticket_type = TicketType.objects.create(name="Plain")

    class Ticket:
        pass

    ticket = Ticket()
    ticket.ticket_type = ticket_type
    assert Notifier().sender(ticket) == "Help Desk <desk@example.com>"
    assert "desk@example.com" in own_addresses_for()


@pytest.mark.parametrize(
    "customer_model, expected",
    [
        (None, True),
        ("", True),
        ("auth.User", True),
        ("AUTH.user", True),
        ("testapp.Company", False),
    ],
)
def test_customer_model_is_user_model(settings, customer_model, expected):
    settings.AUTH_USER_MODEL = "auth.User"
    settings.WAGTAIL_TICKETS_CUSTOMER_MODEL = customer_model
    assert conf.customer_model_is_user_model() is expected
