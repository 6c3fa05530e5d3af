"""The customer-area forms on their own: what they accept, what they refuse, and that they
hand the rules to permissions, sanitize and validators."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from tests.factories import (
    PriorityFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    grant,
)
from wagtail_tickets.forms import (
    MultipleFileField,
    NewTicketForm,
    ProfileForm,
    ReplyForm,
    grouped_type_choices,
)
from wagtail_tickets.models import TypePermission

Level = TypePermission.Level
pytestmark = pytest.mark.django_db


def files(*names_and_sizes):
    return MultiValueDict(
        {
            "attachments": [
                SimpleUploadedFile(name, b"x" * size, content_type="text/plain")
                for name, size in names_and_sizes
            ]
        }
    )


@pytest.fixture
def user_with_types():
    products = TicketTypeGroupFactory(name="Products", sort_order=1)
    money = TicketTypeGroupFactory(name="Money", sort_order=2)
    general = TicketTypeFactory(name="General", description="Anything else")
    laptops = TicketTypeFactory(name="Laptops", group=products, description="Laptop help")
    phones = TicketTypeFactory(name="Phones", group=products)
    invoices = TicketTypeFactory(name="Invoices", group=money, customer_can_choose_priority=True)
    TicketTypeFactory(name="Secret")
    user = UserFactory()
    for ticket_type in (general, laptops, phones, invoices):
        grant(user, ticket_type, Level.CREATE, group_name="Creators")
    return user, {"general": general, "laptops": laptops, "invoices": invoices}


def test_type_choices_are_grouped_and_limited_to_creatable_types(user_with_types):
    user, types = user_with_types
    form = NewTicketForm(user=user)
    choices = list(form.fields["type"].choices)
    assert choices[0][0] == ""
    assert choices[1] == (types["general"].pk, "General")
    assert choices[2][0] == "Products"
    assert [label for _pk, label in choices[2][1]] == ["Laptops", "Phones"]
    assert choices[3][0] == "Money"
    html = str(form["type"])
    assert 'title="Laptop help"' in html
    assert "Secret" not in html
    assert 'data-priority="1">Invoices</option>' in html
    assert 'data-priority="1">Laptops' not in html


def test_grouped_type_choices_without_groups():
    one = TicketTypeFactory(name="Only")
    assert grouped_type_choices([one])[1] == (one.pk, "Only")


def test_new_ticket_form_accepts_valid_input(user_with_types):
    user, types = user_with_types
    form = NewTicketForm(
        {
            "type": types["laptops"].pk,
            "subject": "  Screen\r\nflickers  ",
            "cc": "a@example.com;b@example.com",
            "body": "<p>Hello <b>there</b><img src=x onerror=alert(1)></p>",
        },
        files(("log.txt", 5)),
        user=user,
    )
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    assert data["subject"] == "Screen flickers"
    assert data["cc"] == ["a@example.com", "b@example.com"]
    assert data["body"] == "<p>Hello <b>there</b></p>"
    assert [f.name for f in data["attachments"]] == ["log.txt"]
    assert data.get("priority") is None


def test_a_type_outside_the_users_rights_is_invalid(user_with_types):
    user, _types = user_with_types
    secret = TicketTypeFactory(name="Secret")
    form = NewTicketForm(
        {"type": secret.pk, "subject": "x", "body": "y"}, MultiValueDict(), user=user
    )
    assert not form.is_valid()
    assert "type" in form.errors


def test_priority_is_validated_against_the_chosen_type(user_with_types):
    user, types = user_with_types
    high = PriorityFactory(name="Highest")
    data = {"subject": "s", "body": "b", "priority": high.pk}
    refused = NewTicketForm({**data, "type": types["laptops"].pk}, user=user)
    assert not refused.is_valid()
    assert "priority" in refused.errors
    accepted = NewTicketForm({**data, "type": types["invoices"].pk}, user=user)
    assert accepted.is_valid(), accepted.errors
    assert accepted.cleaned_data["priority"] == high


def test_priority_field_absent_when_no_type_allows_it():
    plain = TicketTypeFactory(name="Plain")
    user = UserFactory()
    grant(user, plain, Level.CREATE)
    form = NewTicketForm(user=user)
    assert "priority" not in form.fields
    assert form.fields["type"].initial == plain.pk  # the only choice is preselected


def test_cc_with_header_injection_is_refused(user_with_types):
    user, types = user_with_types
    form = NewTicketForm(
        {
            "type": types["general"].pk,
            "subject": "s",
            "body": "b",
            "cc": "a@example.com\rBcc: evil@example.com",
        },
        user=user,
    )
    assert not form.is_valid()
    assert "cc" in form.errors


def test_multiple_file_field_checks_limits_before_reading(settings):
    settings.WAGTAIL_TICKETS = {
        **settings.WAGTAIL_TICKETS,
        "MAX_ATTACHMENTS": 2,
        "MAX_ATTACHMENT_SIZE": 100,
    }

    class Unreadable(SimpleUploadedFile):
        def read(self, *args, **kwargs):  # the limits must not need the content
            raise AssertionError("content read during validation")

        def chunks(self, *args, **kwargs):
            raise AssertionError("content read during validation")

    field = MultipleFileField()
    too_many = [Unreadable(f"{i}.txt", b"x") for i in range(3)]
    with pytest.raises(Exception) as excinfo:
        field.clean(too_many)
    assert "at most 2 files" in str(excinfo.value)
    too_big = [Unreadable("big.txt", b"x" * 101)]
    with pytest.raises(Exception) as excinfo:
        field.clean(too_big)
    assert "big.txt" in str(excinfo.value)
    ok = [Unreadable("a.txt", b"x"), Unreadable("b.txt", b"y")]
    assert field.clean(ok) == ok
    assert field.clean(None) == []
    assert field.clean([]) == []


def test_reply_form_needs_text():
    assert not ReplyForm({"body": "<div><br></div>"}).is_valid()
    form = ReplyForm({"body": "Thanks!"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["body"] == "<p>Thanks!</p>"
    assert form.cleaned_data["attachments"] == []


def test_profile_form_cleans_the_name():
    form = ProfileForm({"display_name": "\tAcme\x07 Ltd\n"})
    assert form.is_valid()
    assert form.cleaned_data["display_name"] == "Acme Ltd"
    assert not ProfileForm({"display_name": "x" * 101}).is_valid()
    assert ProfileForm({"display_name": ""}).is_valid()


@pytest.fixture
def five_new_cc_per_hour(settings):
    from django.core.cache import cache

    cache.clear()
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CC_NEW_ADDRESSES_RATE": (5, 3600)}
    yield
    cache.clear()


def test_cc_over_the_persons_limit_is_a_field_error(user_with_types, five_new_cc_per_hour):
    from wagtail_tickets.notifications.ratelimit import count_new_cc_addresses

    user, types = user_with_types
    count_new_cc_addresses(user, [f"old{n}@example.com" for n in range(4)])
    data = {"type": types["general"].pk, "subject": "s", "body": "b"}
    two_new = NewTicketForm(
        {**data, "cc": "old0@example.com, a@example.com, b@example.com"}, user=user
    )
    assert not two_new.is_valid()
    assert list(two_new.errors) == ["cc"]
    assert "at most 5 new CC addresses" in two_new.errors["cc"][0]
    # checking a form counts nothing: the same form with one new address passes, twice
    for _ in range(2):
        one_new = NewTicketForm({**data, "cc": "OLD1@example.com\na@example.com"}, user=user)
        assert one_new.is_valid(), one_new.errors
    known = NewTicketForm({**data, "cc": "old0@example.com, old3@example.com"}, user=user)
    assert known.is_valid(), known.errors


def test_customer_area_shows_the_limit_and_saves_nothing(
    client, user_with_types, five_new_cc_per_hour, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from wagtail_tickets.models import Ticket

    user, types = user_with_types
    client.force_login(user)
    data = {"type": types["general"].pk, "subject": "Hello", "body": "<p>Hi</p>"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            reverse("wagtail_tickets:create"),
            {**data, "cc": "\n".join(f"p{n}@elsewhere.example" for n in range(5))},
        )
    assert first.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(
            reverse("wagtail_tickets:create"), {**data, "cc": "new@elsewhere.example"}
        )
    assert second.status_code == 200
    assert "at most 5 new CC addresses" in second.content.decode()
    assert Ticket.objects.count() == 1


def test_external_page_form_of_a_signed_in_user_has_the_same_limit(
    user_with_types, five_new_cc_per_hour
):
    import time

    from wagtail_tickets.external.forms import ExternalNewTicketForm, sign_form
    from wagtail_tickets.notifications.ratelimit import count_new_cc_addresses

    user, types = user_with_types
    count_new_cc_addresses(user, [f"old{n}@example.com" for n in range(5)])
    form = ExternalNewTicketForm(
        {
            "type": types["general"].pk,
            "subject": "s",
            "body": "b",
            "cc": "new@example.com",
            "form_token": sign_form("new", "b1", now=time.time() - 60),
            "website": "",
        },
        user=user,
        offered=[types["general"]],
        scope="new",
        binding="b1",
    )
    assert not form.is_valid()
    assert "at most 5 new CC addresses" in form.errors["cc"][0]
