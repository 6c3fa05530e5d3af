"""System checks of the options: unknown keys of ``WAGTAIL_TICKETS`` are named with the
closest known option, the deprecated ``CUSTOMERS_MAY_CLOSE`` is pointed at its one home,
and the known keys come from ``conf.AppSettings`` itself."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from wagtail_tickets import checks
from wagtail_tickets.conf import AppSettings, app_settings, option_names


@pytest.fixture
def options(settings):
    def set_options(value):
        settings.WAGTAIL_TICKETS = value
        return checks.check_option_names(None)

    return set_options


def test_known_keys_are_silent(options, settings):
    assert options(dict(settings.WAGTAIL_TICKETS)) == []
    assert options({name: None for name in option_names() - {"CUSTOMERS_MAY_CLOSE"}}) == []
    assert options({}) == []


def test_no_options_at_all_is_silent(settings):
    del settings.WAGTAIL_TICKETS
    assert checks.check_option_names(None) == []


@pytest.mark.parametrize(
    "key, closest",
    [
        ("PAGE_SIZ", "PAGE_SIZE"),
        ("page_size", "PAGE_SIZE"),
        ("MAX_ATTACHMENT_SIZES", "MAX_ATTACHMENT_SIZE"),
        ("EXTERNAL_FRAME_ANCESTOR", "EXTERNAL_FRAME_ANCESTORS"),
        ("SANITISER", "SANITIZER"),
    ],
)
def test_a_typo_is_named_with_the_closest_option(options, key, closest):
    (warning,) = options({"PAGE_SIZE": 10, key: 1})
    assert warning.id == "wagtail_tickets.W001"
    assert repr(key) in warning.msg and "ignored" in warning.msg
    assert warning.hint == f"Did you mean {closest!r}?"


@pytest.mark.parametrize("key", ["COMPLETELY_UNRELATED", 42, ("PAGE_SIZE",), "", "x" * 100_000])
def test_any_unknown_key_is_named_without_a_crash(options, key):
    (warning,) = options({key: 1})
    assert warning.id == "wagtail_tickets.W001"
    assert len(warning.msg) < 200
    assert warning.hint.startswith(("Did you mean", "The options are listed"))


def test_every_unknown_key_is_reported(options):
    found = options({"PAGE_SIZ": 1, "MAX_CCC": 2, "PAGE_SIZE": 3})
    assert [m.id for m in found] == ["wagtail_tickets.W001", "wagtail_tickets.W001"]
    assert [m.hint for m in found] == ["Did you mean 'PAGE_SIZE'?", "Did you mean 'MAX_CC'?"]


def test_customers_may_close_is_deprecated_not_unknown(options):
    (warning,) = options({"CUSTOMERS_MAY_CLOSE": False})
    assert warning.id == "wagtail_tickets.W002"
    assert "Ticket options" in warning.hint


@pytest.mark.parametrize("value", [["PAGE_SIZE"], "PAGE_SIZE=5", 5])
def test_options_that_are_not_a_dictionary_are_an_error_and_ignored(options, value):
    (error,) = options(value)
    assert error.id == "wagtail_tickets.E004"
    assert app_settings.PAGE_SIZE == 25  # the default, not a crash


def test_the_known_keys_are_the_properties_of_app_settings(options, monkeypatch):
    """A new option is known where it is written: no second list to keep."""
    properties = {
        name
        for name, value in vars(AppSettings).items()
        if isinstance(value, property) and name.isupper()
    }
    assert option_names() == properties
    assert {"PAGE_SIZE", "CUSTOMERS_MAY_CLOSE", "STATUS_REPLACEMENT_BATCH_SIZE"} <= properties
    assert options({"SHINY_NEW_OPTION": 1})[0].id == "wagtail_tickets.W001"
    monkeypatch.setattr(AppSettings, "SHINY_NEW_OPTION", property(lambda self: 1), raising=False)
    assert options({"SHINY_NEW_OPTION": 1}) == []


def test_the_check_runs_with_the_others(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "PAGE_SIZ": 5}
    found = [m for m in run_checks() if m.id == "wagtail_tickets.W001"]
    assert [m.hint for m in found] == ["Did you mean 'PAGE_SIZE'?"]


@pytest.mark.parametrize(
    "values, name",
    [
        ({"MAIL_ALLOWED_PRIVATE_NETWORKS": ["10.0.0.0/33"]}, "MAIL_ALLOWED_PRIVATE_NETWORKS"),
        ({"MAIL_ALLOWED_PRIVATE_NETWORKS": "not a network"}, "MAIL_ALLOWED_PRIVATE_NETWORKS"),
        ({"INBOUND_REQUIRE_AUTHENTICATION": "spf"}, "INBOUND_REQUIRE_AUTHENTICATION"),
        # a mode without the receiving server's id would trust nothing and quarantine all
        ({"INBOUND_REQUIRE_AUTHENTICATION": "dmarc"}, "INBOUND_REQUIRE_AUTHENTICATION"),
        ({"PAGE_SIZE": "twenty"}, "PAGE_SIZE"),
        ({"MAX_ATTACHMENTS": None}, "MAX_ATTACHMENTS"),
    ],
)
def test_an_option_that_cannot_be_read_is_an_error_at_startup(settings, values, name):
    settings.WAGTAIL_TICKETS = values
    [error] = checks.check_option_values(None)
    assert error.id == "wagtail_tickets.E005"
    assert repr(name) in error.msg


def test_readable_options_are_silent(settings):
    settings.WAGTAIL_TICKETS = {
        "MAIL_ALLOWED_PRIVATE_NETWORKS": ["127.0.0.1", "fd00::/8"],
        "INBOUND_AUTHSERV_IDS": ["mx.example.com"],
        "INBOUND_REQUIRE_AUTHENTICATION": "dmarc",
        "PAGE_SIZE": "30",
    }
    assert checks.check_option_values(None) == []
    settings.WAGTAIL_TICKETS = ["not", "a", "dict"]
    assert checks.check_option_values(None) == []
