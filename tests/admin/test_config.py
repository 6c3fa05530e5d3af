"""Configuration screens: type groups, types, statuses, priorities, categories, rates and
response templates, their registered permissions, safe deletion, and the ticket options."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from wagtail import hooks

from tests.factories import (
    CategoryFactory,
    RateFactory,
    TicketTypeFactory,
    TicketTypeGroupFactory,
    UserFactory,
    admin_access,
    grant,
    make_ticket,
)
from wagtail_tickets import permissions
from wagtail_tickets.models import (
    Category,
    Priority,
    Rate,
    ResponseTemplate,
    Status,
    TicketSettings,
    TicketType,
    TicketTypeGroup,
    TypePermission,
)

pytestmark = pytest.mark.django_db

SCREENS = {
    "wagtail_tickets_type_groups": TicketTypeGroup,
    "wagtail_tickets_types": TicketType,
    "wagtail_tickets_statuses": Status,
    "wagtail_tickets_priorities": Priority,
    "wagtail_tickets_categories": Category,
    "wagtail_tickets_rates": Rate,
    "wagtail_tickets_response_templates": ResponseTemplate,
}


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("name", SCREENS)
def test_every_screen_lists_and_offers_add(admin_client, name):
    assert admin_client.get(reverse(f"{name}:index")).status_code == 200
    assert admin_client.get(reverse(f"{name}:add")).status_code == 200


def test_permissions_of_every_model_are_registered_for_groups():
    registered = set()
    for fn in hooks.get_hooks("register_permissions"):
        registered |= {f"{p.content_type.app_label}.{p.codename}" for p in fn()}
    for model in SCREENS.values():
        for action in ("add", "change", "delete"):
            assert f"wagtail_tickets.{action}_{model._meta.model_name}" in registered
    assert "wagtail_tickets.change_ticket" not in registered  # tickets go by type levels


def test_a_group_permission_opens_one_screen_and_not_the_others(client):
    clerk = admin_access(UserFactory(username="clerk"))
    group = clerk.groups.get()
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtail_tickets",
            codename__in=["add_category", "change_category"],
        )
    )
    client.force_login(clerk)
    assert client.get(reverse("wagtail_tickets_categories:index")).status_code == 200
    response = client.post(
        reverse("wagtail_tickets_categories:add"), {"name": "Billing", "sort_order": 1}
    )
    assert response.status_code == 302
    assert Category.objects.filter(name="Billing").exists()
    for name in ("wagtail_tickets_statuses", "wagtail_tickets_types", "wagtail_tickets_rates"):
        assert client.get(reverse(f"{name}:index")).status_code in (302, 403)
    billing = Category.objects.get(name="Billing")
    response = client.post(reverse("wagtail_tickets_categories:delete", args=[billing.pk]))
    assert response.status_code in (302, 403)
    assert Category.objects.filter(pk=billing.pk).exists()


def test_customer_without_admin_access_is_refused(client):
    customer = UserFactory(username="carol")
    client.force_login(customer)
    for name in SCREENS:
        response = client.get(reverse(f"{name}:index"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_create_a_type_with_its_group_visibility_and_sender(admin_client):
    group = TicketTypeGroupFactory(name="Products")
    response = admin_client.post(
        reverse("wagtail_tickets_types:add"),
        {
            "name": "Printers",
            "group": group.pk,
            "description": "Everything that prints",
            "active": "on",
            "sort_order": 3,
            "visibility": "all",
            "customer_can_choose_priority": "on",
            "email_to": "printers@example.com",
            "sender_name": "Printer desk",
            "sender_email": "desk@example.com",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    printers = TicketType.objects.get(name="Printers")
    assert printers.group == group and printers.visibility == "all"
    assert printers.customer_can_choose_priority and printers.sender_email == "desk@example.com"
    listing = admin_client.get(reverse("wagtail_tickets_types:index")).content.decode()
    assert "Printers" in listing and "Products" in listing


@pytest.mark.parametrize("value, stored", [("20", 20), ("", None)])
def test_type_form_sets_the_level_of_every_signed_in_user(admin_client, value, stored):
    form = admin_client.get(reverse("wagtail_tickets_types:add")).content.decode()
    assert 'name="signed_in_level"' in form
    response = admin_client.post(
        reverse("wagtail_tickets_types:add"),
        {"name": "Open to all", "visibility": "own", "sort_order": 1, "active": "on",
         "signed_in_level": value},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TicketType.objects.get(name="Open to all").signed_in_level == stored


@pytest.mark.parametrize("value", ["40", "50", "manage", "-1", "9" * 30])
def test_type_form_refuses_a_signed_in_level_above_write(admin_client, value):
    response = admin_client.post(
        reverse("wagtail_tickets_types:add"),
        {"name": "Too open", "visibility": "own", "sort_order": 1, "signed_in_level": value},
    )
    assert response.status_code == 200
    assert not TicketType.objects.filter(name="Too open").exists()


def test_invalid_colour_and_duplicate_name_are_form_errors(admin_client):
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:add"),
        {"name": "Open", "colour": "red;x:y", "sort_order": 0},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a colour as #rrggbb" in html
    assert "already exists" in html
    assert Status.objects.filter(name="Open").count() == 1


def test_unused_status_is_deleted_directly(admin_client):
    spare = Status.objects.create(name="Spare", colour="#123456")
    page = admin_client.get(reverse("wagtail_tickets_statuses:delete", args=[spare.pk]))
    assert "Move its tickets to" not in page.content.decode()
    admin_client.post(reverse("wagtail_tickets_statuses:delete", args=[spare.pk]))
    assert not Status.objects.filter(pk=spare.pk).exists()


def test_used_status_is_deleted_only_with_a_replacement(admin_client):
    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="carol")
    ticket = make_ticket(customer, support)
    opened = ticket.status
    replacement = Status.objects.get(name="In progress")
    delete_url = reverse("wagtail_tickets_statuses:delete", args=[opened.pk])
    page = admin_client.get(delete_url).content.decode()
    assert "1 ticket" in page or "One ticket" in page
    assert "Move its tickets to" in page
    for data in ({}, {"replacement": opened.pk}, {"replacement": "nope"}):
        response = admin_client.post(delete_url, data)
        assert response.status_code == 200
        assert Status.objects.filter(pk=opened.pk).exists()
    response = admin_client.post(delete_url, {"replacement": replacement.pk})
    assert response.status_code == 302
    assert not Status.objects.filter(pk=opened.pk).exists()
    ticket.refresh_from_db()
    assert ticket.status == replacement


def test_status_listing_counts_tickets_in_the_database(admin_client, django_assert_max_num_queries):
    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="carol")
    for _index in range(5):
        make_ticket(customer, support)
    with django_assert_max_num_queries(20):
        response = admin_client.get(reverse("wagtail_tickets_statuses:index"))
    rows = {row.instance.name: row.instance.ticket_count for row in response.context["table"].rows}
    assert rows["Open"] == 5 and rows["Closed"] == 0


def test_type_with_tickets_is_not_deleted_and_no_server_error(admin_client):
    support = TicketTypeFactory(name="Support")
    make_ticket(UserFactory(username="carol"), support)
    response = admin_client.post(
        reverse("wagtail_tickets_types:delete", args=[support.pk]), follow=True
    )
    assert response.status_code == 200
    assert "still used by tickets" in response.content.decode()
    assert TicketType.objects.filter(pk=support.pk).exists()


def test_category_and_rate_can_be_deleted_while_used(admin_client):
    support = TicketTypeFactory(name="Support")
    category = CategoryFactory(name="Old")
    rate = RateFactory(name="Old rate")
    make_ticket(UserFactory(username="carol"), support, category=category)
    admin_client.post(reverse("wagtail_tickets_categories:delete", args=[category.pk]))
    admin_client.post(reverse("wagtail_tickets_rates:delete", args=[rate.pk]))
    assert not Category.objects.exists() and not Rate.objects.exists()


def test_response_template_limited_to_types(admin_client):
    support = TicketTypeFactory(name="Support")
    other = TicketTypeFactory(name="Other")
    response = admin_client.post(
        reverse("wagtail_tickets_response_templates:add"),
        {
            "name": "Fixed",
            "body": '{"blocks":[{"key":"a","text":"It is fixed.","type":"unstyled","depth":0,'
            '"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
            "types": [support.pk],
            "sort_order": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    fixed = ResponseTemplate.objects.get(name="Fixed")
    assert "It is fixed." in fixed.body
    assert fixed in ResponseTemplate.objects.for_type(support)
    assert fixed not in ResponseTemplate.objects.for_type(other)
    empty = ResponseTemplate.objects.get(name="Empty answer")
    assert empty in ResponseTemplate.objects.for_type(other)


def test_ticket_options_are_a_wagtail_setting_that_rules_customers(admin_client):
    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="carol")
    grant(customer, support, TypePermission.Level.WRITE, group_name="Customers")
    ticket = make_ticket(customer, support)
    assert permissions.can_close(customer, ticket)
    assert not permissions.can_choose_priority(customer, support)
    page = admin_client.get(
        reverse("wagtailsettings:edit", args=["wagtail_tickets", "ticketsettings"]), follow=True
    )
    assert page.status_code == 200
    edit_url = page.request["PATH_INFO"]
    waiting = Status.objects.get(name="Answer")
    response = admin_client.post(
        edit_url,
        {
            "auto_close_days": "14",
            "never_auto_close_status": waiting.pk,
            "reopen_days": "14",
            "customers_may_choose_priority": "on",
        },
    )
    assert response.status_code == 302
    options = TicketSettings.load()
    assert options.auto_close_days == 14 and options.never_auto_close_status == waiting
    assert not options.customers_may_close
    customer = type(customer).objects.get(pk=customer.pk)
    assert not permissions.can_close(customer, ticket)
    assert permissions.can_choose_priority(customer, support)
    response = admin_client.post(edit_url, {"auto_close_days": "-3"})
    assert response.status_code == 200
    assert TicketSettings.load().auto_close_days == 14
    closed = Status.objects.get(name="Closed")
    response = admin_client.post(
        edit_url, {"auto_close_days": "3", "never_auto_close_status": closed.pk}
    )
    assert response.status_code == 200  # only open statuses are offered
    assert TicketSettings.load().never_auto_close_status == waiting


def test_options_start_from_the_site_settings(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMERS_MAY_CLOSE": False}
    assert TicketSettings.load().customers_may_close is False


def used_status(name="Waiting for parts", count=1, is_closed=False):
    """A status with ``count`` tickets of a new type (opened, then moved into it)."""
    from wagtail_tickets import actions

    support = TicketTypeFactory(name=f"Support {name}")
    customer = UserFactory()
    status = Status.objects.create(name=name, is_closed=is_closed)
    tickets = [make_ticket(customer, support) for _index in range(count)]
    for ticket in tickets:
        actions.change_ticket(ticket, status=status)
    return status, tickets


def test_deleting_a_used_status_records_each_ticket_and_mails_nobody(
    admin_client, superuser, mailoutbox, django_capture_on_commit_callbacks
):
    from wagtail_tickets.models import OutgoingMail, PendingNotification, TicketLogEntry

    waiting, tickets = used_status(count=2)
    done = Status.objects.get(name="Closed")
    mails = OutgoingMail.objects.count()
    pending = PendingNotification.objects.count()
    page = admin_client.get(reverse("wagtail_tickets_statuses:delete", args=[waiting.pk]))
    assert "customers are not mailed" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("wagtail_tickets_statuses:delete", args=[waiting.pk]),
            {"replacement": done.pk},
            follow=True,
        )
    assert response.status_code == 200
    assert "its tickets are now “Closed”" in response.content.decode()
    assert not Status.objects.filter(pk=waiting.pk).exists()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == done and ticket.closed_at is not None and not ticket.is_open
        entry = TicketLogEntry.objects.filter(ticket_id=ticket.pk).latest("pk")
        assert entry.user == superuser
        assert entry.data == {"changes": {"status": ["Waiting for parts", "Closed"]}}
    assert OutgoingMail.objects.count() == mails
    assert PendingNotification.objects.count() == pending
    assert mailoutbox == []


@pytest.mark.parametrize(
    "replacement",
    [
        "",
        "nope",
        "-1",
        "0",
        "1.5",
        "99999999999999999999",
        "1 OR 1=1",
        "９９９９",
        "\x00",
        "ä" * 5000,
    ],
)
def test_hostile_replacements_are_form_errors(admin_client, replacement):
    waiting, (ticket,) = used_status()
    delete_url = reverse("wagtail_tickets_statuses:delete", args=[waiting.pk])
    response = admin_client.post(delete_url, {"replacement": replacement})
    assert response.status_code == 200
    assert response.context["replacement_form"].errors["replacement"]
    assert Status.objects.filter(pk=waiting.pk).exists()
    ticket.refresh_from_db()
    assert ticket.status == waiting


def test_replacing_with_itself_or_a_deleted_status_is_a_form_error(admin_client):
    waiting, (ticket,) = used_status()
    gone = Status.objects.create(name="Gone")
    gone_pk = gone.pk
    gone.delete()
    delete_url = reverse("wagtail_tickets_statuses:delete", args=[waiting.pk])
    for data in (
        {"replacement": waiting.pk},
        {"replacement": gone_pk},
        {"replacement": [gone_pk, waiting.pk]},
    ):
        response = admin_client.post(delete_url, data)
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == waiting and Status.objects.filter(pk=waiting.pk).exists()


def test_a_status_deleted_meanwhile_is_a_message_not_a_server_error(admin_client, monkeypatch):
    from wagtail_tickets import actions

    waiting, (ticket,) = used_status()
    answer = Status.objects.get(name="Answer")
    delete_url = reverse("wagtail_tickets_statuses:delete", args=[waiting.pk])
    replace = actions.replace_status

    def another_administrator_first(old, new, **kwargs):
        replace(Status.objects.get(pk=old.pk), answer)
        return replace(old, new, **kwargs)

    monkeypatch.setattr(actions, "replace_status", another_administrator_first)
    progress = Status.objects.get(name="In progress")
    response = admin_client.post(delete_url, {"replacement": progress.pk}, follow=True)
    assert response.status_code == 200
    assert "has already been deleted" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == answer
    # the second submission of the same form: the status is gone
    assert admin_client.post(delete_url, {"replacement": progress.pk}).status_code == 404
    # the replacement deleted between the form's check and the move
    other, (second,) = used_status(name="Parts ordered")

    def replacement_deleted_first(old, new, **kwargs):
        replace(Status.objects.get(pk=new.pk), answer)
        return replace(old, new, **kwargs)

    monkeypatch.setattr(actions, "replace_status", replacement_deleted_first)
    report = Status.objects.create(name="Reported")
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:delete", args=[other.pk]),
        {"replacement": report.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "“Reported” no longer exists" in response.content.decode()
    second.refresh_from_db()
    assert second.status == other


@pytest.fixture
def small_batches(settings):
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "STATUS_REPLACEMENT_BATCH_SIZE": 2}


def test_many_tickets_are_moved_by_the_task_queue(
    admin_client, superuser, small_batches, monkeypatch
):
    import django_q.tasks

    from wagtail_tickets import actions, tasks

    waiting, tickets = used_status(count=3)
    progress = Status.objects.get(name="In progress")
    queued = []
    monkeypatch.setattr(django_q.tasks, "async_task", lambda *args, **kw: queued.append(args))
    inline = []
    monkeypatch.setattr(actions, "replace_status", lambda *args, **kw: inline.append(args))
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:delete", args=[waiting.pk]),
        {"replacement": progress.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "is being deleted: its 3 tickets move to “In progress”" in response.content.decode()
    assert inline == []
    assert queued == [
        ("wagtail_tickets.tasks.replace_status", waiting.pk, progress.pk, superuser.pk)
    ]
    assert Status.objects.filter(pk=waiting.pk).exists()  # the worker has not run yet
    monkeypatch.undo()
    # what the worker runs, twice (a retried task changes nothing the second time)
    line = tasks.replace_status(waiting.pk, progress.pk, superuser.pk)
    assert line == f"status {waiting.pk} deleted; 3 tickets moved to status {progress.pk}"
    assert tasks.replace_status(waiting.pk, progress.pk, superuser.pk).endswith("already deleted")
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == progress


def test_the_task_runs_in_the_queue_when_it_is_synchronous(admin_client, small_batches):
    waiting, tickets = used_status(count=3)
    progress = Status.objects.get(name="In progress")
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:delete", args=[waiting.pk]),
        {"replacement": progress.pk},
    )
    assert response.status_code == 302
    assert not Status.objects.filter(pk=waiting.pk).exists()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == progress


def test_an_unreachable_queue_changes_nothing_and_says_so(admin_client, small_batches, monkeypatch):
    import django_q.tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    waiting, tickets = used_status(count=3)
    monkeypatch.setattr(django_q.tasks, "async_task", broker_down)
    response = admin_client.post(
        reverse("wagtail_tickets_statuses:delete", args=[waiting.pk]),
        {"replacement": Status.objects.get(name="In progress").pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "the task queue is not reachable" in response.content.decode()
    assert Status.objects.filter(pk=waiting.pk).exists()
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == waiting


def test_the_task_refuses_quietly_what_cannot_be_done(superuser):
    from wagtail_tickets import tasks

    waiting, (ticket,) = used_status()
    gone = Status.objects.create(name="Gone")
    gone_pk = gone.pk
    gone.delete()
    assert "replacement" in tasks.replace_status(waiting.pk, gone_pk, superuser.pk)
    assert "cannot replace itself" in tasks.replace_status(waiting.pk, waiting.pk, superuser.pk)
    clerk = UserFactory(username="clerk")
    assert "permission denied" in tasks.replace_status(
        waiting.pk, Status.objects.get(name="Answer").pk, clerk.pk
    )
    ticket.refresh_from_db()
    assert ticket.status == waiting and Status.objects.filter(pk=waiting.pk).exists()


def test_a_stored_option_wins_over_the_deprecated_key(settings):
    support = TicketTypeFactory(name="Support")
    customer = UserFactory(username="carol")
    grant(customer, support, TypePermission.Level.WRITE, group_name="Customers")
    ticket = make_ticket(customer, support)
    assert TicketSettings.load().customers_may_close is True  # stored now
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMERS_MAY_CLOSE": False}
    assert TicketSettings.load().customers_may_close is True
    assert permissions.customers_may_close()
    assert permissions.can_close(customer, ticket) and permissions.link_holder_can_close(ticket)
    options = TicketSettings.load()
    options.customers_may_close = False
    options.save()
    settings.WAGTAIL_TICKETS = {**settings.WAGTAIL_TICKETS, "CUSTOMERS_MAY_CLOSE": True}
    customer = type(customer).objects.get(pk=customer.pk)
    assert not permissions.customers_may_close(customer)
    assert not permissions.can_close(customer, ticket)
    assert not permissions.link_holder_can_close(ticket)
