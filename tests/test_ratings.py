"""Satisfaction ratings: the rule (who rates which ticket, for how long), the action, the
rating request's signed links under link-scanner behaviour, the customer area's box and the
private link's box."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.signing import TimestampSigner
from django.urls import reverse
from django.utils import timezone

from tests.external.conftest import signed
from tests.factories import (
    CompanyFactory,
    TicketTypeFactory,
    UserFactory,
    external_page,
    grant,
    make_ticket,
)
from wagtail_tickets import actions, permissions, signals
from wagtail_tickets.external import token as private_tokens
from wagtail_tickets.links import rating_url
from wagtail_tickets.models import Rating, TicketLogEntry, TypePermission
from wagtail_tickets.notifications import tokens

pytestmark = pytest.mark.django_db
Level = TypePermission.Level


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world():
    support = TicketTypeFactory(name="Support", asks_for_rating=True)
    carla = UserFactory(username="carla", first_name="Carla", email="carla@example.com")
    colin = UserFactory(username="colin", first_name="Colin", email="colin@example.com")
    anna = UserFactory(username="anna", first_name="Anna", email="anna@example.com")
    for user in (carla, colin):
        grant(user, support, Level.WRITE, "Customers")
    grant(anna, support, Level.MANAGE, "Support team")
    CompanyFactory(name="ACME Ltd").users.add(carla, colin)
    ticket = make_ticket(carla, support, subject="Printer on fire")
    ticket.assignee = anna
    ticket.save(update_fields=["assignee"])
    actions.add_reply(ticket, actor=anna, body_html="<p>Fixed it.</p>")
    actions.close_ticket(ticket, actor=anna)
    ticket.refresh_from_db()
    return type(
        "World", (), dict(support=support, carla=carla, colin=colin, anna=anna, ticket=ticket)
    )


def link(ticket, score: str) -> str:
    return rating_url(ticket, score)


# --- the rule ---------------------------------------------------------------------------


def test_only_the_requester_rates_a_closed_ticket_within_the_window(world, settings):
    ticket = world.ticket
    assert permissions.can_rate(world.carla, ticket)
    assert not permissions.can_rate(world.colin, ticket)  # sees it (company), did not ask
    assert not permissions.can_rate(world.anna, ticket)  # the agent
    ticket.closed_at = timezone.now() - datetime.timedelta(days=15)
    assert not permissions.can_rate(world.carla, ticket)
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "RATING_DAYS": 30}
    assert permissions.can_rate(world.carla, ticket)
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "RATING_DAYS": 0}
    assert not permissions.can_rate(world.carla, ticket)
    assert permissions.rating_deadline(ticket) is None


def test_an_open_ticket_cannot_be_rated(world):
    actions.reopen_ticket(world.ticket, actor=world.anna)
    world.ticket.refresh_from_db()
    assert not permissions.can_rate(world.carla, world.ticket)
    with pytest.raises(PermissionDenied):
        actions.rate_ticket(world.ticket, score="good", via="customer_area", actor=world.carla)
    assert not Rating.objects.exists()


# --- the action -------------------------------------------------------------------------


def test_rating_is_one_per_ticket_changeable_with_history_and_signal(
    world, django_capture_on_commit_callbacks
):
    received = []

    def listener(sender, **kwargs):
        received.append((kwargs["rating"].score, kwargs["created"], kwargs["actor"]))

    signals.ticket_rated.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            actions.rate_ticket(world.ticket, score="bad", via="customer_area", actor=world.carla)
        with django_capture_on_commit_callbacks(execute=True):
            rating = actions.rate_ticket(
                world.ticket, score="good", comment="Quick!", via="mail_link"
            )
    finally:
        signals.ticket_rated.disconnect(listener)
    assert Rating.objects.count() == 1
    rating.refresh_from_db()
    assert (rating.score, rating.comment, rating.via) == ("good", "Quick!", "mail_link")
    assert rating.rated_by == world.carla  # a later link rating keeps who rated before
    assert rating.agent == world.anna and rating.ticket_type == world.support
    assert received == [("bad", True, world.carla), ("good", False, None)]
    entries = TicketLogEntry.objects.filter(action="wagtail_tickets.rated").order_by("pk")
    assert [e.data["score"] for e in entries] == ["bad", "good"]
    assert entries[1].data["changed_from"] == "bad"


def test_after_the_window_the_rating_is_refused(world):
    actions.rate_ticket(world.ticket, score="okay", via="mail_link")
    world.ticket.closed_at = timezone.now() - datetime.timedelta(days=14, seconds=1)
    world.ticket.save(update_fields=["closed_at"])
    with pytest.raises(Exception, match="no longer be rated"):
        actions.rate_ticket(world.ticket, score="good", via="mail_link")
    assert Rating.objects.get().score == "okay"


def test_a_customer_who_may_not_rate_is_refused_by_the_action(world):
    with pytest.raises(PermissionDenied):
        actions.rate_ticket(world.ticket, score="good", via="customer_area", actor=world.colin)
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "comment,stored",
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # text, escaped when shown
        ("a\x00b\u202ec\r\n\r\n\r\n\r\nd", "abc\n\nd"),
        ("   ", ""),
    ],
)
def test_comments_are_plain_text(world, comment, stored):
    rating = actions.rate_ticket(world.ticket, score="bad", comment=comment, via="mail_link")
    rating.refresh_from_db()
    assert rating.comment == stored


def test_a_huge_comment_is_cut_by_the_action(world):
    rating = actions.rate_ticket(world.ticket, score="bad", comment="x" * 100_000, via="mail_link")
    assert len(rating.comment) == actions.RATING_COMMENT_MAX_LENGTH


def test_an_unknown_score_is_refused(world):
    with pytest.raises(Exception, match="good, okay or bad"):
        actions.rate_ticket(world.ticket, score="excellent", via="mail_link")


# --- the signed links ---------------------------------------------------------------------


def test_get_and_head_of_a_rating_link_never_rate(client, world):
    url = link(world.ticket, "bad")
    for method in (client.get, client.head):
        response = method(url)
        assert response.status_code == 200
    response = client.get(url)
    html = response.content.decode()
    assert 'value="bad" ' in html and re.search(r'value="bad"[^>]*checked', html)
    assert "csrfmiddlewaretoken" in html
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert not Rating.objects.exists()
    assert "sessionid" not in response.cookies


def test_the_confirmation_rates_as_a_guest(client, world):
    url = link(world.ticket, "good")
    response = client.post(url, {"score": "good", "comment": "Thanks, <b>great</b>"})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    rating = Rating.objects.get()
    assert (rating.score, rating.via, rating.rated_by) == ("good", "mail_link", None)
    page = client.get(response["Location"]).content.decode()
    assert "Thank you for your rating." in page
    assert "Thanks, &lt;b&gt;great&lt;/b&gt;" in page and "<b>great</b>" not in page


def test_the_confirmation_needs_the_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    url = link(world.ticket, "good")
    assert strict.post(url, {"score": "good"}).status_code == 403
    assert not Rating.objects.exists()
    strict.get(url)  # sets the cookie, no session needed
    token = strict.cookies["csrftoken"].value
    response = strict.post(url, {"score": "good", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Rating.objects.get().score == "good"
    assert "sessionid" not in strict.cookies


def test_the_signed_in_requester_is_recorded(client, world):
    client.force_login(world.carla)
    client.post(link(world.ticket, "okay"), {"score": "okay"})
    assert Rating.objects.get().rated_by == world.carla


def test_a_rating_link_can_change_the_rating_within_the_window(client, world):
    client.post(link(world.ticket, "bad"), {"score": "bad", "comment": "Slow"})
    client.post(link(world.ticket, "good"), {"score": "good", "comment": "Solved after all"})
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == ("good", "Solved after all")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "9" + token,
        lambda token: token.replace(".", ":"),
        lambda token: "x",
        lambda token: "1.abc.%00",
    ],
)
def test_tampered_links_are_404(client, world, mangle):
    token = tokens.make_rating_token(world.ticket.pk)
    url = reverse("wagtail_tickets:rate", args=[mangle(token), "good"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"score": "good"}).status_code == 404
    assert not Rating.objects.exists()


def test_a_link_for_another_ticket_is_not_a_link_for_this_one(client, world):
    other = make_ticket(world.colin, world.support, subject="Other")
    token = tokens.make_rating_token(world.ticket.pk)
    forged = token.replace(str(world.ticket.pk), str(other.pk), 1)
    url = reverse("wagtail_tickets:rate", args=[forged, "good"])
    assert client.post(url, {"score": "good"}).status_code == 404


def test_an_unknown_score_in_the_link_is_404(client, world):
    token = tokens.make_rating_token(world.ticket.pk)
    assert client.get(reverse("wagtail_tickets:rate", args=[token, "great"])).status_code == 404


def test_a_token_signed_for_something_else_is_404(client, world):
    token = TimestampSigner(salt="wagtail_tickets.message-id", sep=".").sign(str(world.ticket.pk))
    assert client.get(reverse("wagtail_tickets:rate", args=[token, "good"])).status_code == 404


def test_an_expired_link_says_so(client, world, monkeypatch):
    token = tokens.make_rating_token(world.ticket.pk)
    later = time.time() + 15 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    url = reverse("wagtail_tickets:rate", args=[token, "good"])
    response = client.get(url)
    assert response.status_code == 410
    assert "This rating link has expired" in response.content.decode()
    assert client.post(url, {"score": "good"}).status_code == 410
    assert not Rating.objects.exists()


def test_after_the_window_the_page_says_so(client, world):
    url = link(world.ticket, "good")
    world.ticket.closed_at = timezone.now() - datetime.timedelta(days=20)
    world.ticket.save(update_fields=["closed_at"])
    response = client.post(url, {"score": "good"})
    assert response.status_code == 410
    assert "The time to rate this ticket has passed" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_reopened_ticket_is_not_rated(client, world):
    url = link(world.ticket, "good")
    actions.reopen_ticket(world.ticket, actor=world.anna)
    response = client.post(url, {"score": "good"})
    assert response.status_code == 409
    assert "reopened" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_huge_or_empty_post_is_a_form_error(client, world):
    url = link(world.ticket, "good")
    response = client.post(url, {"score": "good", "comment": "x" * 5000})
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    response = client.post(url, {"comment": "no score"})
    assert response.status_code == 400
    assert "Choose good, okay or bad." in response.content.decode()
    assert client.post(url, {"score": "<svg onload=x>"}).status_code == 400
    assert not Rating.objects.exists()


# --- the customer area ----------------------------------------------------------------------


def detail(ticket) -> str:
    return reverse("wagtail_tickets:detail", args=[ticket.number])


def rate_url(ticket) -> str:
    return reverse("wagtail_tickets:rate_ticket", args=[ticket.number])


def test_the_customer_area_shows_a_rating_box_on_a_closed_ticket(client, world):
    client.force_login(world.carla)
    html = client.get(detail(world.ticket)).content.decode()
    assert 'id="rating"' in html and 'name="score"' in html
    response = client.post(rate_url(world.ticket), {"score": "okay", "comment": "Fine"})
    assert response.status_code == 302 and response["Location"].endswith("#rating")
    rating = Rating.objects.get()
    assert (rating.score, rating.via, rating.rated_by) == ("okay", "customer_area", world.carla)
    html = client.get(detail(world.ticket)).content.decode()
    assert "Change rating" in html and 'data-wt-rating="okay"' in html


def test_the_box_is_not_there_while_the_ticket_is_open(client, world):
    actions.reopen_ticket(world.ticket, actor=world.anna)
    client.force_login(world.carla)
    assert 'id="rating"' not in client.get(detail(world.ticket)).content.decode()
    assert client.post(rate_url(world.ticket), {"score": "good"}).status_code == 404


def test_a_colleague_sees_the_rating_and_cannot_rate(client, world):
    actions.rate_ticket(world.ticket, score="bad", comment="Too slow", via="mail_link")
    client.force_login(world.colin)
    html = client.get(detail(world.ticket)).content.decode()
    assert 'data-wt-rating="bad"' in html and 'name="score"' not in html
    assert client.post(rate_url(world.ticket), {"score": "good"}).status_code == 404
    assert Rating.objects.get().score == "bad"


def test_other_customers_tickets_are_404(client, world):
    stranger = UserFactory(username="sam", email="sam@example.net")
    grant(stranger, TicketTypeFactory(name="Other"), Level.WRITE, "Others")
    client.force_login(stranger)
    assert client.post(rate_url(world.ticket), {"score": "good"}).status_code == 404
    assert client.get(detail(world.ticket)).status_code == 404
    assert not Rating.objects.exists()


def test_the_customer_area_box_refuses_after_the_window(client, world):
    world.ticket.closed_at = timezone.now() - datetime.timedelta(days=30)
    world.ticket.save(update_fields=["closed_at"])
    client.force_login(world.carla)
    assert 'name="score"' not in client.get(detail(world.ticket)).content.decode()
    assert client.post(rate_url(world.ticket), {"score": "good"}).status_code == 404


def test_the_customer_area_box_keeps_a_refused_comment(client, world):
    client.force_login(world.carla)
    response = client.post(rate_url(world.ticket), {"comment": "I forgot the score"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose good, okay or bad." in html and "I forgot the score" in html


def test_the_rating_box_needs_post_and_csrf(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.carla)
    assert strict.get(rate_url(world.ticket)).status_code == 405
    assert strict.post(rate_url(world.ticket), {"score": "good"}).status_code == 403
    assert not Rating.objects.exists()


# --- the private link (tickets without an account) ---------------------------------------


@pytest.fixture
def guest_ticket(world):
    external_page(offered=[world.support])
    ticket = make_ticket(
        None,
        world.support,
        subject="Shop down",
        requester_name="Vera Visitor",
        requester_email="vera@example.org",
    )
    actions.close_ticket(ticket, actor=world.anna)
    ticket.refresh_from_db()
    return ticket, private_tokens.issue_token(ticket)


def private(token: str) -> str:
    return reverse("wagtail_tickets:external_ticket", args=[token])


def rate_data(ticket, **extra) -> dict:
    return {
        "action": "rate",
        "score": "good",
        "comment": "Back online",
        "form_token": signed(f"rating:{ticket.pk}"),
        "website": "",
        **extra,
    }


def test_a_guest_rates_through_the_private_link(client, guest_ticket):
    ticket, token = guest_ticket
    html = client.get(private(token)).content.decode()
    assert 'id="rating"' in html and 'value="rate"' in html and "csrfmiddlewaretoken" not in html
    response = client.post(private(token), rate_data(ticket))
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert (rating.score, rating.via, rating.rated_by, rating.comment) == (
        "good",
        "private_link",
        None,
        "Back online",
    )
    assert "sessionid" not in client.cookies
    client.post(private(token), rate_data(ticket, score="okay", comment=""))
    assert Rating.objects.get().score == "okay"


def test_the_private_link_box_refuses_a_forged_form(client, guest_ticket):
    ticket, token = guest_ticket
    response = client.post(private(token), rate_data(ticket, form_token="forged"))
    assert response.status_code == 400
    response = client.post(private(token), rate_data(ticket, website="http://spam.example"))
    assert response.status_code == 400
    other_scope = rate_data(ticket, form_token=signed(f"ticket:{ticket.pk}"))
    assert client.post(private(token), other_scope).status_code == 400
    assert not Rating.objects.exists()


def test_the_private_link_of_an_open_ticket_does_not_rate(client, guest_ticket, world):
    ticket, token = guest_ticket
    actions.reopen_ticket(ticket, actor=world.anna)
    assert client.post(private(token), rate_data(ticket)).status_code == 302
    assert not Rating.objects.exists()


def test_a_wrong_private_link_is_404(client, guest_ticket):
    ticket, _token = guest_ticket
    assert client.post(private("A" * 43), rate_data(ticket)).status_code == 404
    assert not Rating.objects.exists()


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_has_rated_tickets_and_a_second_run_adds_none():
    from io import StringIO

    from django.core.management import call_command

    call_command("tickets_demo", stdout=StringIO())
    scores = sorted(Rating.objects.values_list("score", flat=True))
    assert scores == ["bad", "good", "okay"]
    assert all(rating.comment for rating in Rating.objects.all())
    assert Rating.objects.filter(via="customer_area", rated_by__isnull=False).count() == 1
    call_command("tickets_demo", stdout=StringIO())
    assert Rating.objects.count() == 3
