"""The schema put to work: schemathesis sends requests generated from the OpenAPI schema,
as an agent and as a customer, and every answer must be no server error and match the
schema (status codes, content types, bodies)."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse

from wagtail_tickets.contrib.api import tokens

from .conftest import client_for

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MAX_EXAMPLES = 8


def quiet_wsgi_app(app):
    """The site's WSGI app that, like Django's test client, leaves the test's database
    connection open (a request closes "old" connections when it starts and ends)."""

    def call(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return call


def run_schemathesis(user, real_ids: dict[str, str]) -> list[str]:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    document = client_for(user).get(reverse("wagtail_tickets_api:schema"), {"format": "json"})
    assert document.status_code == 200
    schema = schemathesis.openapi.from_dict(document.json())
    schema.app = quiet_wsgi_app(get_wsgi_application())
    headers = {"Authorization": f"Bearer {tokens.create_token(user, 'fuzz').secret}"}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = {p.name for p in operation.path_parameters}
        # generated ids (mostly 404s), then the ids of real objects the user may see
        variants = [None]
        if names:
            variants.append({name: real_ids[name] for name in names})
        for path_parameters in variants:

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            @given(case=operation.as_strategy(path_parameters=path_parameters))
            def check(case):
                case.call_and_validate(headers=headers, checks=checks)

            try:
                check()
            except Exception as exc:  # collect every operation's failure, then report all
                failures.append(f"{operation.label} {path_parameters or ''}: {exc}")
    assert operations >= 15
    return failures


@pytest.mark.parametrize("who", ["agent", "alice"])
def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(world, settings, who):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "API_RATE": (100000, 60)}
    ticket = world["alice_hw"]
    attachment = ticket.messages.filter(attachments__isnull=False).first().attachments.first()
    real_ids = {
        "ticket_id": str(ticket.pk),
        "attachment_id": str(attachment.pk),
        "customer_id": str(world["acme"].pk),
    }
    failures = run_schemathesis(world[who], real_ids)
    assert not failures, "\n\n".join(failures)
