"""The outbox listing and a mail's page: rows open the mail, headers are capitalised
translations, times are local in the locale's format, missing values are "—" (never
"None"), and the listing's queries do not grow with its length."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from wagtail.users.models import UserProfile

from tests.factories import OutgoingMailFactory, TicketTypeFactory, UserFactory, make_ticket
from wagtail_tickets.admin.outbox import OutboxViewSet, local_datetime
from wagtail_tickets.models import OutgoingMail

pytestmark = pytest.mark.django_db
INDEX = "wagtail_tickets_outbox:index"
State = OutgoingMail.State
# 09:30 UTC is 10:30 in Amsterdam in winter (the test settings' TIME_ZONE)
QUEUED = datetime.datetime(2026, 1, 15, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def root():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def queued_mail(**kwargs) -> OutgoingMail:
    mail = OutgoingMailFactory(**kwargs)
    OutgoingMail.objects.filter(pk=mail.pk).update(created_at=QUEUED)
    mail.refresh_from_db()
    return mail


def body_of(html: str) -> str:
    table = html[html.index('<table class="listing') :]
    return table[table.index("<tbody") : table.index("</tbody>")]


def test_every_row_links_to_its_mail(client, root):
    mails = [queued_mail() for _ in range(3)]
    client.force_login(root)
    html = client.get(reverse(INDEX)).content.decode()
    for mail in mails:
        assert f'href="{reverse("wagtail_tickets_outbox:inspect", args=[mail.pk])}"' in html


def test_headers_are_capitalised_translations(client, root):
    queued_mail()
    queued_mail()
    client.force_login(root)
    response = client.get(reverse(INDEX))
    headers = [str(column.label) for column in response.context["table"].columns.values()]
    assert headers[:3] == ["Subject", "Status", "Kind"]
    assert "Next attempt" in headers and "Queued" in headers and "Sent" in headers
    assert all(header[:1].isupper() for header in headers if header)
    for column in OutboxViewSet.list_display[1:]:
        assert isinstance(column.label, Promise)
    page = response.content.decode()
    assert "2 outgoing mails" in page and "2 outbox" not in page


def test_headers_follow_the_users_language(client, root):
    queued_mail()
    profile = UserProfile.get_for_user(root)
    profile.preferred_language = "de"
    profile.save()
    client.force_login(root)
    html = client.get(reverse(INDEX)).content.decode()
    table = html[html.index('<table class="listing') :]
    thead = table[: table.index("</thead>")]
    assert "Betreff" in thead and "Subject" not in thead
    assert "Versuche" in thead and "Attempts" not in thead


def test_times_are_local_and_missing_values_are_a_dash(client, root):
    mail = queued_mail(state=State.SENT, sent_at=None, next_attempt_at=None)
    client.force_login(root)
    rows = body_of(client.get(reverse(INDEX)).content.decode())
    local = local_datetime(QUEUED)
    assert "10:30" in local and "09:30" not in local
    assert local in rows
    assert "None" not in rows and "—" in rows
    page = client.get(reverse("wagtail_tickets_outbox:inspect", args=[mail.pk]))
    details = page.content.decode()
    details = details[details.index("<dl") : details.index("</dl>")]
    assert local in details
    assert "None" not in details
    assert re.search(r"<dt>Next attempt</dt>\s*<dd>\s*—\s*</dd>", details)


def test_the_mail_page_links_its_ticket(client, root, settings):
    requester = UserFactory(email="carla@example.com")
    ticket = make_ticket(requester, TicketTypeFactory(name="Support"))
    mail = queued_mail(ticket=ticket)
    client.force_login(root)
    page = client.get(reverse("wagtail_tickets_outbox:inspect", args=[mail.pk]))
    workspace = reverse("wagtail_tickets_inbox:edit", args=[ticket.pk])
    assert f'href="{workspace}"' in page.content.decode()


def test_local_datetime_formats_by_the_active_language():
    from django.utils import translation

    with translation.override("de"), timezone.override("Europe/Berlin"):
        assert local_datetime(QUEUED) == "15.01.2026 10:30"
    assert local_datetime(None) == "—"


def test_a_bad_mail_id_is_404(client, root):
    client.force_login(root)
    assert client.get("/admin/ticket-outbox/999999/").status_code == 404
    assert client.get("/admin/ticket-outbox/abc/").status_code == 404


def test_listing_queries_do_not_grow_with_its_length(client, root, django_assert_max_num_queries):
    ticket = make_ticket(UserFactory(), TicketTypeFactory(name="Support"))
    client.force_login(root)
    client.get(reverse(INDEX))  # warm the caches Wagtail fills once
    for _ in range(30):
        queued_mail(ticket=ticket, state=State.FAILED, next_attempt_at=timezone.now())
    with django_assert_max_num_queries(20):
        response = client.get(reverse(INDEX))
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 20  # a full page
