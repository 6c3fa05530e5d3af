"""The personal data screen: who may use it, downloads, the listing's queries and the
choice offered when a user with tickets is deleted."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from wagtail_tickets.models import PersonalDataRequest, Ticket

from .conftest import EMAIL, MARKER

INDEX = reverse("wagtail_tickets_privacy:index")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_agents_and_customers_may_not_start_anything(client, world):
    for user in (world["agent"], world["alice"]):
        client.force_login(user)
        response = client.post(INDEX, {"action": "delete", "email": EMAIL})
        assert response.status_code in (302, 403)
    assert not PersonalDataRequest.objects.exists()
    assert Ticket.objects.filter(subject__contains=MARKER).exists()


def test_admin_anonymises_a_user(client, world, admin_user):
    client.force_login(admin_user)
    response = client.post(INDEX, {"action": "anonymise", "user": MARKER})
    assert response.status_code == 302
    request = PersonalDataRequest.objects.get()
    assert request.state == "done" and request.requested_by == admin_user
    assert not Ticket.objects.filter(subject__contains=MARKER).exists()
    page = client.get(INDEX).content.decode()
    assert "Anonymise" in page and MARKER not in page


@pytest.mark.parametrize(
    "data",
    [
        {"action": "delete"},
        {"action": "delete", "user": MARKER, "email": EMAIL},
        {"action": "delete", "user": "nobody-at-all"},
        {"action": "delete", "customer": "not-a-number"},
        {"action": "shred", "email": EMAIL},
        {"action": "export", "email": "x" * 400},
    ],
)
def test_hostile_forms_are_refused(client, world, admin_user, data):
    client.force_login(admin_user)
    response = client.post(INDEX, data)
    assert response.status_code == 200
    assert not PersonalDataRequest.objects.exists()


def test_export_download_for_the_asker_only_until_it_expires(client, world, admin_user):
    client.force_login(admin_user)
    client.post(INDEX, {"action": "export", "email": EMAIL})
    request = PersonalDataRequest.objects.get()
    url = reverse("wagtail_tickets_privacy:download", args=[request.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert url in client.get(INDEX).content.decode()

    other_admin = UserFactory(username="root2", is_superuser=True, is_staff=True)
    client.force_login(other_admin)
    assert client.get(url).status_code == 404
    client.force_login(admin_user)
    assert client.get(reverse("wagtail_tickets_privacy:download", args=[99999])).status_code == 404
    assert client.get("/admin/tickets-privacy/abc/download/").status_code == 404
    PersonalDataRequest.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(url).status_code == 404


def test_listing_queries_do_not_grow(client, world, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)

    def make(n):
        PersonalDataRequest.objects.bulk_create(
            PersonalDataRequest(action="anonymise", subject_kind="user", requested_by=admin_user)
            for _ in range(n)
        )

    make(3)
    client.get(INDEX)
    with django_assert_max_num_queries(12) as few:
        assert client.get(INDEX).status_code == 200
    make(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(INDEX).status_code == 200


def test_deleting_a_user_with_tickets_asks_first(client, world, admin_user):
    client.force_login(admin_user)
    alice = world["alice"]
    url = reverse("wagtailusers_users:delete", args=[alice.pk])
    page = client.post(url)
    assert page.status_code == 200 and 'name="wt_personal_data"' in page.content.decode()
    assert type(alice).objects.filter(pk=alice.pk).exists()

    response = client.post(url, {"wt_personal_data": "anonymise"})
    assert response.status_code == 302
    assert not type(alice).objects.filter(pk=alice.pk).exists()
    assert PersonalDataRequest.objects.get().state == "done"
    assert not Ticket.objects.filter(subject__contains=MARKER).exists()


def test_deleting_a_user_without_tickets_is_not_interrupted(client, world, admin_user):
    client.force_login(admin_user)
    nobody = UserFactory(username="nobody")
    response = client.post(reverse("wagtailusers_users:delete", args=[nobody.pk]))
    assert response.status_code == 302
    assert not PersonalDataRequest.objects.exists()
