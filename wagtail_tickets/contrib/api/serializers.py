"""What the API answers with. One serializer per resource; what a customer may not see
(internal notes, the customer record, agents' accounts, other people's addresses) is
left out when the viewer is not an agent of the ticket's type (``context["agent"]``)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wagtail_tickets import links
from wagtail_tickets.admin.inbox_columns import attach_related
from wagtail_tickets.models import Attachment, Category, Message, Priority, Status, Ticket
from wagtail_tickets.models import TicketType as TicketTypeModel
from wagtail_tickets.models.tickets import agent_name

from .models import WebhookEvent

# the rows a ticket shows, read for a whole page by ``with_related``
TICKET_FOREIGN_KEYS = (
    "ticket_type",
    "status",
    "priority",
    "category",
    "assignee",
    "requester",
    "customer",
)


def with_related(tickets: list[Ticket], known: dict | None = None) -> list[Ticket]:
    """The page's related rows with one plain query per table (the inbox's
    ``attach_related``): joining them all in the page's query cost PostgreSQL more time to
    plan than to run. ``known``: ``{field: {pk: row}}`` the caller read already."""
    return attach_related(tickets, known, TICKET_FOREIGN_KEYS)


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class StatusSerializer(serializers.ModelSerializer):
    customer_label = serializers.CharField(read_only=True)

    class Meta:
        model = Status
        fields = ["id", "name", "is_closed", "is_default", "waits_for_customer", "customer_label"]


class PrioritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Priority
        fields = ["id", "name", "colour", "is_default"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]


class TicketTypeSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name", default=None, allow_null=True)

    class Meta:
        model = TicketTypeModel
        fields = ["id", "name", "description", "group", "visibility"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    email = serializers.CharField(allow_blank=True, required=False)


_DATETIME = serializers.DateTimeField()


def _ref(row) -> dict | None:
    return None if row is None else {"id": row.pk, "name": row.name}


class TicketSerializer(serializers.ModelSerializer):
    type = RefSerializer(source="ticket_type")
    status = StatusSerializer()
    priority = RefSerializer(allow_null=True)
    category = RefSerializer(allow_null=True)
    requester = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    assignee = serializers.SerializerMethodField()
    cc = serializers.ListField(source="cc_list", child=serializers.CharField())
    url = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "type",
            "status",
            "priority",
            "category",
            "requester",
            "customer",
            "assignee",
            "cc",
            "is_open",
            "created_at",
            "updated_at",
            "closed_at",
            "target_date",
            "url",
        ]

    def _agent(self, ticket: Ticket) -> bool:
        agent = self.context.get("agent")
        return agent(ticket) if callable(agent) else bool(agent)

    def to_representation(self, ticket: Ticket) -> dict:
        """The fields above written out directly: DRF's field-by-field walk through the
        nested serializers cost more than the whole page's queries. A test holds it equal
        to ``generic_representation``."""
        stamp = _DATETIME.to_representation
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "type": _ref(ticket.ticket_type),
            "status": self._status(ticket.status),
            "priority": _ref(ticket.priority),
            "category": _ref(ticket.category),
            "requester": self.get_requester(ticket),
            "customer": self.get_customer(ticket),
            "assignee": self.get_assignee(ticket),
            "cc": ticket.cc_list,
            "is_open": ticket.is_open,
            "created_at": stamp(ticket.created_at),
            "updated_at": stamp(ticket.updated_at),
            "closed_at": stamp(ticket.closed_at) if ticket.closed_at else None,
            "target_date": ticket.target_date.isoformat() if ticket.target_date else None,
            "url": self.get_url(ticket),
        }

    def _status(self, status: Status) -> dict:
        """A status as a row shows it, made once per status for a page (its customer
        label is a translation lookup)."""
        cache = self.__dict__.setdefault("_statuses", {})
        if status.pk not in cache:
            cache[status.pk] = {
                "id": status.pk,
                "name": status.name,
                "is_closed": status.is_closed,
                "is_default": status.is_default,
                "waits_for_customer": status.waits_for_customer,
                "customer_label": status.customer_label,
            }
        return dict(cache[status.pk])

    def generic_representation(self, ticket: Ticket) -> dict:
        return super().to_representation(ticket)

    @extend_schema_field(PersonSerializer)
    def get_requester(self, ticket: Ticket) -> dict | None:
        data = {"id": ticket.requester_id, "name": ticket.requester_display_name}
        if self._agent(ticket):
            data["email"] = (
                ticket.requester.email if ticket.requester_id else ticket.requester_email
            )
        return data

    @extend_schema_field(RefSerializer(allow_null=True))
    def get_customer(self, ticket: Ticket) -> dict | None:
        if ticket.customer_id is None or not self._agent(ticket):
            return None
        return {"id": ticket.customer_id, "name": str(ticket.customer)}

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, ticket: Ticket) -> dict | None:
        if ticket.assignee_id is None:
            return None
        if not self._agent(ticket):
            return {"id": None, "name": agent_name(ticket.assignee)}
        return {"id": ticket.assignee_id, "name": agent_name(ticket.assignee)}

    @extend_schema_field(serializers.URLField)
    def get_url(self, ticket: Ticket) -> str:
        # the list's URL and the id: one reverse() for a page (urls.py: tickets/<id>/)
        base = self.__dict__.get("_url_base")
        if base is None:
            path = reverse("wagtail_tickets_api:tickets")
            request = self.context.get("request")
            base = request.build_absolute_uri(path) if request is not None else links.absolute(path)
            self._url_base = base
        return f"{base}{ticket.pk}/"


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "url"]

    @extend_schema_field(serializers.URLField)
    def get_url(self, item: Attachment) -> str:
        path = reverse("wagtail_tickets_api:attachment", args=[item.message.ticket_id, item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else links.absolute(path)


class MessageSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "author_name",
            "is_staff",
            "is_internal",
            "source",
            "body_html",
            "body_text",
            "created_at",
            "attachments",
        ]


# Requests (described for the schema; the rules are the package's forms and actions)


class OpenTicketRequest(serializers.Serializer):
    type = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField(help_text="HTML (cleaned to the allowlist) or plain text.")
    cc = serializers.CharField(required=False, help_text="Addresses, by commas or new lines.")
    priority = serializers.IntegerField(required=False, allow_null=True)


class MessageRequest(serializers.Serializer):
    body = serializers.CharField(help_text="HTML (cleaned to the allowlist) or plain text.")
    internal = serializers.BooleanField(required=False, help_text="Agents: an internal note.")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="multipart/form-data only."
    )


class ChangeTicketRequest(serializers.Serializer):
    status = serializers.IntegerField(required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)
    priority = serializers.IntegerField(required=False, allow_null=True)
    category = serializers.IntegerField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    ticket_type = serializers.IntegerField(required=False)
    cc = serializers.CharField(required=False, allow_blank=True)


class AssignRequest(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True)


class MergeRequest(serializers.Serializer):
    target = serializers.IntegerField(
        help_text="The id of the ticket this one is merged into (it stays)."
    )


class ChangesResponse(serializers.Serializer):
    ticket = TicketSerializer()
    changes = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


EVENTS = [choice for choice, _label in WebhookEvent.choices]


class TicketPage(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = TicketSerializer(many=True)


class MessagePage(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    results = MessageSerializer(many=True)
