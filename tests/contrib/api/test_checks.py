"""The system check names the missing extra."""

from __future__ import annotations

from wagtail_tickets.contrib.api import checks


def test_check_is_quiet_when_installed():
    assert checks.check_api_dependencies() == []


def test_check_names_the_extra_when_drf_spectacular_is_missing(monkeypatch):
    real = checks._installed
    monkeypatch.setattr(checks, "_installed", lambda name: name != "drf_spectacular" and real(name))
    errors = checks.check_api_dependencies()
    assert [e.id for e in errors] == ["wagtail_tickets_api.E001"]
    assert "drf_spectacular" in errors[0].msg
    assert "wagtail-tickets[api]" in errors[0].hint


def test_check_names_rest_framework_in_installed_apps(monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(apps, "is_installed", lambda name: name != "rest_framework" and real(name))
    assert "wagtail_tickets_api.E002" in [e.id for e in checks.check_api_dependencies()]
