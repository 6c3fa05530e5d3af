"""Admin screens: email templates (edit, preview against a real ticket) and the outbox
(pending / failed / sent, retry)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    GroupFactory,
    OutgoingMailFactory,
    TicketTypeFactory,
    UserFactory,
    grant,
    make_ticket,
)
from wagtail_tickets import actions
from wagtail_tickets.models import EmailTemplate, MailSettings, OutgoingMail, TypePermission
from wagtail_tickets.notifications import sending

pytestmark = pytest.mark.django_db
State = OutgoingMail.State


@pytest.fixture
def admin_user():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def mail_editor(*codenames):
    """A Wagtail editor (admin access) with only the given model permissions."""
    user = UserFactory()
    group = GroupFactory(name=f"mail editors {user.pk}")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(codename__in=codenames),
    )
    user.groups.add(group)
    return user


def test_template_list_edit_and_form_errors(client, admin_user):
    client.force_login(admin_user)
    index = client.get(reverse("wagtail_tickets_email_templates:index"))
    assert index.status_code == 200
    assert "Auto reply (the customer opened a ticket)" in index.content.decode()
    template = EmailTemplate.objects.get(kind="claimed", language="en", ticket_type=None)
    url = reverse("wagtail_tickets_email_templates:edit", args=[template.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "{contact:first_name}" in page.content.decode()  # the variables help
    response = client.post(
        url,
        {
            "kind": "claimed",
            "ticket_type": "",
            "language": "en",
            "active": "on",
            "subject": "Taken: {ticket:subject}",
            "body": "{AGENT} has it.",
        },
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.body) == ("Taken: {ticket:subject}", "{AGENT} has it.")
    # A second general "claimed" template in English: a clear form error, nothing saved.
    add = client.post(
        reverse("wagtail_tickets_email_templates:add"),
        {"kind": "claimed", "ticket_type": "", "language": "en", "subject": "", "body": "x"},
    )
    assert add.status_code == 200
    assert EmailTemplate.objects.filter(kind="claimed", language="en").count() == 1
    bad = client.post(
        reverse("wagtail_tickets_email_templates:add"),
        {"kind": "nonsense", "ticket_type": "999999", "language": "xx", "body": "y" * 30_000},
    )
    assert bad.status_code == 200
    form = bad.context["form"]
    assert {"kind", "ticket_type", "language", "body"} <= set(form.errors)


def test_preview_renders_against_a_real_ticket(client, admin_user, world):
    ticket = make_ticket(world.carla, world.support, subject="Fax <b>broken</b>")
    actions.add_reply(ticket, actor=world.anna, body_html="<p>Replace the toner.</p>")
    template = EmailTemplate.objects.get(kind="default_reply", language="en", ticket_type=None)
    client.force_login(admin_user)
    url = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
    page = client.get(url, {"ticket": ticket.number})
    assert page.status_code == 200
    rendered = page.context["rendered"]
    assert rendered.subject == f"[ts #{ticket.number}] Fax <b>broken</b>"
    assert rendered.text.startswith("Replace the toner.")
    html = page.content.decode()
    assert "Fax &lt;b&gt;broken&lt;/b&gt;" in html  # the subject is escaped on the page
    assert 'sandbox=""' in html
    missing = client.get(url, {"ticket": "nope\r\n<script>"})
    assert missing.status_code == 200
    assert missing.context["rendered"] is None
    assert "&lt;script&gt;" in missing.content.decode()
    unknown = reverse("wagtail_tickets_email_templates:preview", args=[999999])
    assert client.get(unknown).status_code == 404


def test_preview_only_uses_tickets_the_user_manages(client, world):
    hidden = make_ticket(world.carla, world.support, subject="Secret support ticket")
    other_type = TicketTypeFactory(name="Sales")
    visible = make_ticket(world.carla, other_type, subject="Sales question")
    editor = mail_editor("change_emailtemplate")
    grant(editor, other_type, TypePermission.Level.MANAGE, "Sales team")
    client.force_login(editor)
    template = EmailTemplate.objects.get(kind="auto_reply", language="en", ticket_type=None)
    url = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
    page = client.get(url, {"ticket": hidden.number})
    assert page.context["rendered"] is None
    assert "Secret support ticket" not in page.content.decode()
    assert page.context["ticket"] is None
    default = client.get(url)
    assert default.context["ticket"] == visible
    assert [t.pk for t in default.context["recent_tickets"]] == [visible.pk]


def test_template_screens_need_their_permissions(client, world):
    nobody = mail_editor()
    client.force_login(nobody)
    template = EmailTemplate.objects.first()
    for url in (
        reverse("wagtail_tickets_email_templates:index"),
        reverse("wagtail_tickets_email_templates:edit", args=[template.pk]),
        reverse("wagtail_tickets_email_templates:preview", args=[template.pk]),
        reverse("wagtail_tickets_outbox:index"),
    ):
        assert client.get(url).status_code in (302, 403), url
    client.force_login(world.carla)  # a customer without admin access
    assert client.get(reverse("wagtail_tickets_outbox:index")).status_code == 302


def failed_mail(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    make_ticket(world.carla, world.billing)
    from wagtail_tickets.models import PendingNotification

    [mail_id] = sending.build_pending(PendingNotification.objects.get().pk)
    sending.send_outgoing(mail_id)
    return OutgoingMail.objects.get(pk=mail_id)


def test_outbox_lists_states_shows_errors_and_retries(
    client, admin_user, world, settings, django_assert_max_num_queries
):
    mail = failed_mail(world, settings)
    assert mail.state == State.FAILED and mail.last_error
    OutgoingMailFactory(subject="Sent one", message_id="<1@x>", sent_at=timezone.now())
    client.force_login(admin_user)
    index_url = reverse("wagtail_tickets_outbox:index")
    page = client.get(index_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Failed: 1" in body and "Sent: 1" in body and "Pending: 0" in body
    failed_only = client.get(index_url, {"state": "failed"})
    assert [m.pk for m in failed_only.context["object_list"]] == [mail.pk]
    inspect = client.get(reverse("wagtail_tickets_outbox:inspect", args=[mail.pk]))
    assert inspect.status_code == 200
    assert "ConnectionRefusedError" in inspect.content.decode()
    assert "Retry now" in inspect.content.decode()
    # No add, edit or delete screens: rows are never lost from the admin.
    assert client.get(index_url + "new/").status_code == 404
    assert client.get(reverse("wagtail_tickets_outbox:retry", args=[mail.pk])).status_code == 405

    OutgoingMail.objects.filter(pk=mail.pk).update(next_attempt_at=None)  # gave up
    response = client.post(reverse("wagtail_tickets_outbox:retry", args=[mail.pk]))
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.next_attempt_at is not None and mail.next_attempt_at <= timezone.now()
    assert client.post(reverse("wagtail_tickets_outbox:retry", args=[999999])).status_code == 404

    for n in range(30):
        OutgoingMailFactory(subject=f"Mail {n}", message_id=f"<{n}@many>")
    with django_assert_max_num_queries(25):
        assert client.get(index_url).status_code == 200


def test_retry_needs_the_change_permission(client, world, settings):
    mail = failed_mail(world, settings)
    viewer = mail_editor("view_outgoingmail")
    client.force_login(viewer)
    assert client.get(reverse("wagtail_tickets_outbox:index")).status_code == 200
    OutgoingMail.objects.filter(pk=mail.pk).update(next_attempt_at=None)
    for url in (
        reverse("wagtail_tickets_outbox:retry", args=[mail.pk]),
        reverse("wagtail_tickets_outbox:retry_failed"),
    ):
        denied = client.post(url)  # Wagtail answers "permission denied" with its home page
        assert (denied.status_code, denied.url) == (302, reverse("wagtailadmin_home"))
    assert OutgoingMail.objects.get(pk=mail.pk).next_attempt_at is None
    retrier = mail_editor("view_outgoingmail", "change_outgoingmail")
    client.force_login(retrier)
    assert client.post(reverse("wagtail_tickets_outbox:retry_failed")).status_code == 302
    assert OutgoingMail.objects.get(pk=mail.pk).next_attempt_at is not None


def test_mail_options_are_a_wagtail_setting(client, admin_user):
    client.force_login(admin_user)
    url = reverse("wagtailsettings:edit", args=["wagtail_tickets", "mailsettings"])
    page = client.get(url, follow=True)
    assert page.status_code == 200 and "Ticket mail options" in page.content.decode()
    response = client.post(
        page.redirect_chain[-1][0],
        {
            "sender_name": "Help",
            "sender_email": "help@acme.example",
            "subject_template": "{ticket:subject}",
            "template_language": "de",
        },
    )
    assert response.status_code == 302
    assert MailSettings.load().sender_email == "help@acme.example"
