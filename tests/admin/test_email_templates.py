"""The email templates listing: every row opens its template, the headers are capitalised
translations, the menu item follows the permissions, and the listing's queries do not grow
with its length."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.functional import Promise
from wagtail.users.models import UserProfile

from tests.factories import (
    EmailTemplateFactory,
    GroupFactory,
    TicketTypeFactory,
    UserFactory,
    admin_access,
)
from wagtail_tickets.admin.email_templates import EmailTemplateViewSet
from wagtail_tickets.models import EmailTemplate
from wagtail_tickets.notifications.kinds import KINDS

pytestmark = pytest.mark.django_db
INDEX = "wagtail_tickets_email_templates:index"


@pytest.fixture
def root():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def editor(*codenames):
    user = admin_access(UserFactory())
    group = GroupFactory(name=f"template editors {user.pk}")
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    user.groups.add(group)
    return user


def menu_labels(client) -> list[str]:
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    return re.findall(r'"label": "([^"]*)"', html)


def test_every_row_links_to_its_edit_view_and_preview(client, root):
    client.force_login(root)
    html = client.get(reverse(INDEX), {"language": "en"}).content.decode()
    templates = EmailTemplate.objects.filter(language="en")
    assert templates.count() == len(KINDS)  # a shipped template of every kind
    for template in templates:
        edit = reverse("wagtail_tickets_email_templates:edit", args=[template.pk])
        preview = reverse("wagtail_tickets_email_templates:preview", args=[template.pk])
        assert f'href="{edit}"' in html
        assert f'href="{preview}"' in html


def test_headers_are_capitalised_translations(client, root):
    client.force_login(root)
    response = client.get(reverse(INDEX))
    headers = [str(column.label) for column in response.context["table"].columns.values()]
    for label in ("Kind", "Ticket type", "Language", "Active", "Updated"):
        assert label in headers
    assert all(header[:1].isupper() for header in headers if header)
    for column in EmailTemplateViewSet.list_display[1:]:
        assert isinstance(column.label, Promise)  # follows the user's language


def test_headers_follow_the_users_language(client, root):
    profile = UserProfile.get_for_user(root)
    profile.preferred_language = "de"
    profile.save()
    client.force_login(root)
    html = client.get(reverse(INDEX)).content.decode()
    table = html[html.index('<table class="listing') :]
    thead = table[: table.index("</thead>")]
    assert "Art" in thead and ">Kind<" not in thead  # the model's "kind", in German
    assert "Tickettyp" in thead and "Aktiv" in thead


def test_rows_show_type_and_language_in_words(client, root):
    TicketTypeFactory(name="Printers")
    EmailTemplateFactory(kind="claimed", ticket_type=TicketTypeFactory(name="Network"), language="")
    client.force_login(root)
    html = client.get(reverse(INDEX), {"kind": "claimed"}).content.decode()
    assert "Network" in html and "Any language" in html and "All types" in html
    table = html[html.index('<table class="listing') :]
    assert "None" not in table[: table.index("</tbody>")]


def test_menu_item_follows_the_permissions(client):
    client.force_login(editor("change_emailtemplate"))
    assert "Ticket email templates" in menu_labels(client)
    client.force_login(editor("view_outgoingmail"))
    labels = menu_labels(client)
    assert "Ticket email templates" not in labels and "Ticket mail outbox" in labels
    assert client.get(reverse(INDEX)).status_code == 302  # no permission: away


def test_a_user_who_may_only_view_gets_no_edit_links(client):
    client.force_login(editor("view_emailtemplate"))
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    template = EmailTemplate.objects.first()
    edit = reverse("wagtail_tickets_email_templates:edit", args=[template.pk])
    assert f'href="{edit}"' not in response.content.decode()


def test_listing_queries_do_not_grow_with_its_length(client, root, django_assert_max_num_queries):
    client.force_login(root)
    client.get(reverse(INDEX))  # warm the caches Wagtail fills once
    types = [TicketTypeFactory(name=f"Type {i}") for i in range(30)]
    for ticket_type in types:
        EmailTemplateFactory(kind="claimed", ticket_type=ticket_type, language="de")
    with django_assert_max_num_queries(20):
        response = client.get(reverse(INDEX), {"kind": "claimed"})
    assert response.status_code == 200
    assert len(response.context["object_list"]) == 20  # a full page


def test_the_edit_form_labels_are_capitalised_and_all_types_is_named(client, root):
    template = EmailTemplate.objects.get(kind="assigned", language="en", ticket_type=None)
    client.force_login(root)
    response = client.get(reverse("wagtail_tickets_email_templates:edit", args=[template.pk]))
    form = response.context["form"]
    for name in ("kind", "ticket_type", "language", "subject", "body"):
        assert str(form.fields[name].label)[:1].isupper(), name
    assert '<option value="" selected>All types</option>' in response.content.decode()
    assert "{GREETING}" in response.content.decode()  # the variables help names it
