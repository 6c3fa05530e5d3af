"""The account pages: log in, log out, password change and reset, the account page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import CompanyFactory, TicketTypeFactory, UserFactory, grant, make_ticket
from wagtail_tickets.accounts import forms as account_forms
from wagtail_tickets.accounts import mail as account_mail
from wagtail_tickets.accounts import views as account_views
from wagtail_tickets.models import TicketType, TypePermission

pytestmark = pytest.mark.django_db
Level = TypePermission.Level
PASSWORD = "correct horse battery"


def url(name: str, **kwargs) -> str:
    return reverse(f"wagtail_tickets_accounts:{name}", kwargs=kwargs)


@pytest.fixture
def customer():
    user = UserFactory(username="carla", email="carla@example.com")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def queued(monkeypatch):
    """The reset mails handed to the task queue, not sent."""
    calls = []
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **kwargs: calls.append((func, args))
    )
    return calls


# Log in ---------------------------------------------------------------------------------


def test_login_page_is_inside_the_customer_frame(client):
    page = client.get(url("login")).content.decode()
    assert 'class="wt-standalone"' in page  # the default CUSTOMER_BASE_TEMPLATE
    assert 'class="wt-customer"' in page and "accounts.css" in page
    assert 'name="username"' in page and 'name="password"' in page
    assert f'href="{url("password_reset")}"' in page
    assert 'data-name="login"' in page  # the menu offers "Log in" to visitors


@pytest.fixture
def stock_layout(settings):
    """A `wagtail start` site's base.html with the guide's account/base.html."""
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "CUSTOMER_BASE_TEMPLATE": "stock/account/base.html",
    }


def test_the_stock_layout_of_these_tests_is_the_guides():
    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "installation.md").read_text()
    layout = (root / "tests" / "templates" / "stock" / "account" / "base.html").read_text()
    assert layout.replace('"stock/base.html"', '"base.html"') in guide
    assert "{% block navigation %}{% endblock %}" in guide


def test_account_pages_sit_in_the_stock_layout_with_its_navigation(client, customer, stock_layout):
    page = client.get(url("login")).content.decode()
    assert '<nav class="account-nav">' in page and 'class="wt-customer"' in page
    assert "wt-standalone" not in page
    client.force_login(customer)
    support = TicketTypeFactory(name="Support")
    grant(customer, support, Level.CREATE)
    ticket = make_ticket(customer, support, subject="Printer on fire")
    for path in (
        url("account"),
        reverse("wagtail_tickets:my_tickets"),
        reverse("wagtail_tickets:detail", args=[ticket.number]),
        reverse("wagtail_tickets:create"),
    ):
        page = client.get(path).content.decode()
        nav = page.split('<nav class="account-nav">', 1)[1].split("</nav>", 1)[0]
        assert 'data-name="my_tickets"' in nav and 'data-name="logout"' in nav, path
        assert 'class="wt-customer"' in page, path
        head = page.split("</head>", 1)[0]
        assert "css/menu.css" in head and "css/customer.css" in head, path


def test_login_goes_to_the_account_page_then_my_tickets(client, customer):
    response = client.post(url("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == url("account")
    page = client.get(url("account")).content.decode()
    assert f'href="{reverse("wagtail_tickets:my_tickets")}"' in page
    assert client.get(reverse("wagtail_tickets:my_tickets")).status_code == 200


def test_login_follows_next_on_this_site_only(client, customer):
    my_tickets = reverse("wagtail_tickets:my_tickets")
    data = {"username": "carla", "password": PASSWORD}
    response = client.post(url("login"), {**data, "next": my_tickets})
    assert response["Location"] == my_tickets
    client.logout()
    response = client.post(url("login"), {**data, "next": "https://evil.example/steal"})
    assert response["Location"] == url("account")


def test_customer_area_sends_visitors_to_log_in(client, settings):
    settings.LOGIN_URL = "wagtail_tickets_accounts:login"
    response = client.get(reverse("wagtail_tickets:my_tickets"))
    assert response.status_code == 302
    assert response["Location"].startswith(url("login") + "?next=")
    assert "Please log in to see this page." in client.get(response["Location"]).content.decode()


def test_wrong_password_is_a_form_error(client, customer):
    response = client.post(url("login"), {"username": "carla", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "data",
    [{}, {"username": "x" * 10_000, "password": "y"}, {"username": ["a", "b"], "password": ""}],
)
def test_hostile_login_posts_are_form_errors(client, data):
    assert client.post(url("login"), data).status_code == 200


def test_failed_logins_are_limited_per_client(client, customer, monkeypatch):
    monkeypatch.setattr(account_views, "LOGIN_FAILURE_LIMIT", (3, 600))
    for _ in range(3):
        client.post(url("login"), {"username": "carla", "password": "guess"})
    response = client.post(url("login"), {"username": "carla", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(url("login"), {"username": "carla", "password": PASSWORD}).status_code == 302


def test_login_refuses_other_methods(client):
    assert client.put(url("login")).status_code == 405


# Log out ---------------------------------------------------------------------------------


def test_logout_asks_first_and_logs_out_on_post(client, customer):
    client.force_login(customer)
    page = client.get(url("logout"))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert "_auth_user_id" in client.session  # a link logs nobody out
    response = client.post(url("logout"))
    assert response.status_code == 302 and response["Location"] == url("login")
    assert "_auth_user_id" not in client.session
    assert "You have been logged out." in client.get(response["Location"]).content.decode()


def test_logout_page_for_a_visitor_goes_to_log_in(client):
    response = client.get(url("logout"))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))


# Password change -------------------------------------------------------------------------


def test_password_change_needs_the_old_password(client, customer):
    client.force_login(customer)
    response = client.post(
        url("password_change"),
        {"old_password": "wrong", "new_password1": "n3w-secret!", "new_password2": "n3w-secret!"},
    )
    assert response.status_code == 200 and "wt-field--error" in response.content.decode()
    response = client.post(
        url("password_change"),
        {"old_password": PASSWORD, "new_password1": "n3w-secret!", "new_password2": "n3w-secret!"},
    )
    assert response.status_code == 302 and response["Location"] == url("account")
    customer.refresh_from_db()
    assert customer.check_password("n3w-secret!")
    assert "_auth_user_id" in client.session  # still logged in


def test_password_change_needs_a_login(client):
    response = client.get(url("password_change"))
    assert response.status_code == 302


# Password reset --------------------------------------------------------------------------


def test_the_whole_reset_flow(client, customer):
    page = client.get(url("password_reset")).content.decode()
    assert 'class="wt-customer"' in page and 'name="email"' in page
    response = client.post(url("password_reset"), {"email": "CARLA@example.com"})
    assert response.status_code == 302 and response["Location"] == url("password_reset_done")
    assert "Check your mail" in client.get(response["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["carla@example.com"]
    assert "\n" not in message.subject and "Choose a new password" in message.subject
    (link,) = re.findall(r"http://testserver(/accounts/password/reset/\S+/\S+/)", message.body)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    set_password = form.redirect_chain[-1][0]  # Django moves the token into the session
    done = client.post(
        set_password, {"new_password1": "fresh-pass-42", "new_password2": "fresh-pass-42"}
    )
    assert done.status_code == 302 and done["Location"] == url("password_reset_complete")
    assert "Password saved" in client.get(done["Location"]).content.decode()
    assert Client().login(username="carla", password="fresh-pass-42")
    # the link worked once
    again = client.get(link, follow=True).content.decode()
    assert "This link does not work any more" in again


def test_unknown_and_known_addresses_get_the_same_answer(client, customer):
    known = client.post(url("password_reset"), {"email": "carla@example.com"})
    unknown = client.post(url("password_reset"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_the_request_never_looks_up_the_account(client, customer, queued):
    """Which accounts an address has is the worker's business: the request takes as long,
    and reads the same tables, for any address."""
    users = get_user_model()._meta.db_table
    for address in ("carla@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as queries:
            client.post(url("password_reset"), {"email": address})
        assert not [q for q in queries.captured_queries if users in q["sql"]]
    assert [args[0] for _func, args in queued] == ["carla@example.com", "nobody@example.com"]
    assert mail.outbox == []
    func, args = queued[0]
    assert func == "wagtail_tickets.accounts.mail.send_password_reset"
    assert account_mail.send_password_reset(*args) == 1
    assert account_mail.send_password_reset(*queued[1][1]) == 0
    assert mail.outbox[0].to == ["carla@example.com"]


def test_reset_mail_uses_base_url_not_the_requests_host(client, customer, settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "BASE_URL": "https://support.example.com",
    }
    client.post(url("password_reset"), {"email": "carla@example.com"}, HTTP_HOST="evil.example")
    (message,) = mail.outbox
    assert "https://support.example.com/accounts/password/reset/" in message.body
    assert "evil.example" not in message.body


def test_inactive_accounts_and_accounts_without_password_get_no_mail(client):
    UserFactory(email="gone@example.com", is_active=False)
    sso = UserFactory(email="sso@example.com")
    sso.set_unusable_password()
    sso.save()
    for address in ("gone@example.com", "sso@example.com"):
        client.post(url("password_reset"), {"email": address})
    assert mail.outbox == []


def test_reset_mails_per_address_are_limited(client, customer, monkeypatch):
    monkeypatch.setattr(account_forms, "ADDRESS_LIMIT", (2, 3600))
    for _ in range(4):
        response = client.post(url("password_reset"), {"email": "carla@example.com"})
        assert response["Location"] == url("password_reset_done")
    assert len(mail.outbox) == 2


def test_reset_requests_per_client_are_limited(client, customer, monkeypatch):
    monkeypatch.setattr(account_forms, "CLIENT_LIMIT", (2, 3600))
    for address in ("a@example.com", "b@example.com"):
        assert client.post(url("password_reset"), {"email": address}).status_code == 302
    response = client.post(url("password_reset"), {"email": "carla@example.com"})
    assert response.status_code == 200
    assert "Too many password reset requests" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["", "not an address", "x" * 300 + "@example.com", "a@b\x00c"])
def test_hostile_reset_addresses_are_form_errors(client, email):
    response = client.post(url("password_reset"), {"email": email})
    assert response.status_code == 200 and "wt-field--error" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "uid, token", [("MQ", "bad-token"), ("!!!", "x"), ("A" * 500, "B" * 500), ("Zm9v", "set")]
)
def test_broken_reset_links_say_so(client, customer, uid, token):
    response = client.get(url("password_reset_confirm", uidb64=uid, token=token))
    assert response.status_code == 200
    assert "This link does not work any more" in response.content.decode()


# The account page ------------------------------------------------------------------------


OWN_ITEMS = {
    "my_tickets", "company_tickets", "shared_tickets", "profile", "password_change", "logout"
}  # fmt: skip


def shown_items(page: str) -> list[str]:
    """The account page's items of the package's own (other apps may add theirs)."""
    names = re.findall(r'wt-account__item" data-name="(\w+)"', page)
    return [name for name in names if name in OWN_ITEMS]


def test_account_page_needs_a_login(client):
    response = client.get(url("account"))
    assert response.status_code == 302


def test_account_page_lists_the_customer_area(client, customer, django_assert_max_num_queries):
    support = TicketTypeFactory(name="Support", visibility=TicketType.Visibility.COMPANY)
    grant(customer, support, Level.CREATE)
    colleague = UserFactory()
    CompanyFactory(name="Acme").users.add(customer, colleague)
    make_ticket(colleague, support)
    client.force_login(customer)
    with django_assert_max_num_queries(8):
        page = client.get(url("account")).content.decode()
    names = shown_items(page)
    assert names == ["my_tickets", "company_tickets", "profile", "password_change", "logout"]
    assert f'href="{reverse("wagtail_tickets:create")}"' in page
    # the site's menu carries the account items too
    assert 'data-name="account"' in page and 'wt-menu__item--active" data-name="account"' in page


def test_account_page_leaves_out_what_the_user_cannot_use(client):
    sso = UserFactory()
    sso.set_unusable_password()
    sso.save()
    client.force_login(sso)
    page = client.get(url("account")).content.decode()
    assert shown_items(page) == ["my_tickets", "profile", "logout"]
    assert reverse("wagtail_tickets:create") not in page


def test_the_menu_marks_the_page_the_user_is_on(client, customer):
    client.force_login(customer)

    def current(path):
        page = client.get(path).content.decode()
        return re.findall(r'wt-menu__item--active" data-name="(\w+)"', page)

    assert current(url("account")) == ["account"]
    assert current(url("password_change")) == ["account"]
    assert current(url("logout")) == ["logout"]
    assert current(reverse("wagtail_tickets:my_tickets")) == ["my_tickets"]


def test_account_page_refuses_post(client, customer):
    client.force_login(customer)
    assert client.post(url("account")).status_code == 405


def test_menu_has_no_account_items_without_the_url_module(client, customer, settings):
    settings.ROOT_URLCONF = "tests.urls"
    client.force_login(customer)
    page = client.get(reverse("wagtail_tickets:my_tickets")).content.decode()
    assert 'data-name="my_tickets"' in page
    assert 'data-name="account"' not in page and 'data-name="logout"' not in page
