"""The API's endpoints. Every read asks ``permissions`` (a customer's token sees what the
customer area shows, an agent's what the inbox shows) and every write is an ``actions``
call; input is checked by the package's own forms, so the rules are the web's rules."""

from __future__ import annotations

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from wagtail_tickets import actions, permissions
from wagtail_tickets.admin.customer_tab import customer_pk
from wagtail_tickets.admin.inbox_filters import InboxRows, TicketFilterSet
from wagtail_tickets.conf import get_customer_model
from wagtail_tickets.downloads import download_response
from wagtail_tickets.forms import NewTicketForm, ReplyForm
from wagtail_tickets.ids import parse_id
from wagtail_tickets.models import Attachment, Category, Priority, Status, Ticket, TicketType
from wagtail_tickets.search import search_tickets

from . import serializers as s
from .forms import ChangeFieldsForm, MergeForm
from .pagination import KeysetPagination, Ordering
from .rest import ApiView, UploadView
from .schema import documented

ORDERINGS = {
    "-updated_at": Ordering("updated_at", True),
    "updated_at": Ordering("updated_at", False),
    "-created_at": Ordering("created_at", True),
    "created_at": Ordering("created_at", False),
    "-number": Ordering("number", True, "text"),
    "number": Ordering("number", False, "text"),
}
MESSAGE_ORDERING = Ordering("created_at", False)
CUSTOMER_SCOPES = ("mine", "company", "shared")
STATES = ("open", "closed")
MAX_SEARCH_LENGTH = 200
# a JSON body's values: text, numbers, true/false or null; lists and objects are refused
SCALARS = (str, int, float, bool, type(None))


def form_data(request) -> tuple[QueryDict | dict, MultiValueDict]:
    """The request's fields and files for a Django form: a JSON object's scalar values as
    text, or the multipart form as it is."""
    data = request.data
    if isinstance(data, QueryDict):
        return data, request.FILES
    if not isinstance(data, dict):
        raise ParseError(_("Send a JSON object."))
    fields = {}
    for key, value in data.items():
        if not isinstance(value, SCALARS):
            raise ValidationError({key: [_("Send a single value.")]})
        if value is None:
            fields[key] = ""
        elif isinstance(value, bool):
            fields[key] = "true" if value else ""
        else:
            fields[key] = str(value)
    return fields, MultiValueDict()


def refuse_unknown(data, form: django_forms.Form) -> None:
    """A field the form does not take is an error, not silently dropped (a priority a
    customer may not choose, a misspelt name)."""
    unknown = sorted(set(data) - set(form.fields) - {"csrfmiddlewaretoken"})
    if unknown:
        raise ValidationError({name: [_("This field is not accepted here.")] for name in unknown})


def form_errors(*forms_: django_forms.Form) -> ValidationError:
    errors: dict = {}
    for form in forms_:
        for field, messages in form.errors.items():
            errors.setdefault("non_field_errors" if field == "__all__" else field, []).extend(
                messages
            )
    return ValidationError(errors)


def agent_of(user):
    """``context["agent"]``: whether the viewer answers this ticket as an agent."""
    return lambda ticket: permissions.works_on(user, ticket)


def get_ticket(request, ticket_id: str) -> Ticket:
    """A ticket the user reaches on the web (in the workspace or the customer area), or
    404."""
    pk = parse_id(ticket_id)
    if pk is None:
        raise Http404
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None or not permissions.can_open(request.user, ticket):
        raise Http404
    return ticket


def change_fields(request, ticket: Ticket, data) -> dict:
    """Change the posted fields of a ticket (a field not posted is left alone) through
    ``actions.change_ticket``; ``{field: [old, new]}`` of what changed."""
    user = request.user
    if not permissions.works_on(user, ticket):
        raise PermissionDenied
    allowed = set(ChangeFieldsForm.base_fields)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    form = ChangeFieldsForm(data, ticket=ticket, user=user)
    if not form.is_valid():
        raise form_errors(form)
    changes = form.changes()
    if not changes:
        return {}
    done = actions.change_ticket(ticket, actor=user, request=request._request, **changes)
    return {name: list(values) for name, values in done.items()}


def ticket_response(request, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
    ticket = s.with_related([Ticket.objects.get(pk=ticket.pk)])[0]
    context = {"request": request, "agent": agent_of(request.user)}
    return Response(s.TicketSerializer(ticket, context=context).data, status=code)


class ApiRootView(ApiView):
    """The API's endpoints (browsable for a signed-in user)."""

    @documented(exclude=True)
    def get(self, request):
        def url(name, *args):
            return request.build_absolute_uri(reverse(f"wagtail_tickets_api:{name}", args=args))

        return Response(
            {
                "tickets": url("tickets"),
                "types": url("types"),
                "statuses": url("statuses"),
                "priorities": url("priorities"),
                "categories": url("categories"),
                "schema": url("schema"),
            }
        )


PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="From the previous page's next link."),
    OpenApiParameter("page_size", int, description="Rows per page (default API_PAGE_SIZE)."),
]
ORDERING_PARAMETER = OpenApiParameter(
    "ordering", str, enum=list(ORDERINGS), description="Default: -updated_at."
)
TICKET_LIST_PARAMETERS = [
    *PAGE_PARAMETERS,
    ORDERING_PARAMETER,
    OpenApiParameter("q", str, description="Search: number, subject, requester, text (agents)."),
    OpenApiParameter("state", str, enum=["open", "closed", "overdue"]),
    OpenApiParameter("scope", str, enum=list(CUSTOMER_SCOPES), description="Customers only."),
    OpenApiParameter("status", int, many=True, description="Agents: status ids."),
    OpenApiParameter("ticket_type", int, many=True, description="Agents: type ids."),
    OpenApiParameter("priority", int, many=True, description="Agents: priority ids."),
    OpenApiParameter("category", int, many=True, description="Agents: category ids."),
    OpenApiParameter("assigned", str, enum=["mine", "unassigned"], description="Agents."),
    OpenApiParameter("assignee", int, description="Agents: an agent's id."),
]


class TicketListView(UploadView):
    """Tickets: an agent's are the inbox's (with its filters and search), a customer's
    those of the customer area. Newest activity first; cursor pagination."""

    def make_paginator(self) -> KeysetPagination:
        key = self.request.query_params.get("ordering") or "-updated_at"
        if key not in ORDERINGS:
            raise ValidationError({"ordering": [_("Choose one of: %s.") % ", ".join(ORDERINGS)]})
        return KeysetPagination(ORDERINGS[key])

    def tickets(self):
        request, user = self.request, self.request.user
        params = request.query_params
        if permissions.works_in_inbox(user):
            tickets = permissions.agent_tickets(user)
            rows = InboxRows(user)
            filters = TicketFilterSet(params, tickets, request=request._request, rows=rows)
            # the filters read the agent's types: the page's rows need not read them again
            self.known = {"ticket_type": {t.pk: t for t in rows.managed_types}}
            if not filters.is_valid():
                raise ValidationError(filters.errors)
            tickets = filters.qs
            term = params.get("q", "")
            if len(term) > MAX_SEARCH_LENGTH:
                raise ValidationError({"q": [_("The search is too long.")]})
            if term.strip():
                tickets = search_tickets(tickets, term)
            return tickets
        # the customer area's lists; no search (it would match internal notes' words)
        scope = params.get("scope")
        if scope == "mine":
            tickets = permissions.own_tickets(user)
        elif scope == "company":
            tickets = permissions.company_tickets(user)
        elif scope == "shared":
            tickets = permissions.shared_tickets(user)
        elif scope in (None, ""):
            tickets = permissions.customer_tickets(user)
        else:
            raise ValidationError({"scope": [_("Choose mine, company or shared.")]})
        state = params.get("state")
        if state in STATES:
            tickets = tickets.filter(is_open=state == "open")
        elif state:
            raise ValidationError({"state": [_("Choose open or closed.")]})
        return tickets

    @documented(
        parameters=TICKET_LIST_PARAMETERS, responses=s.TicketPage, operation_id="tickets_list"
    )
    def get(self, request):
        paginator = self.make_paginator()
        self.known = None
        tickets = self.tickets()
        rows = s.with_related(paginator.paginate_queryset(tickets, request, self), self.known)
        context = {"request": request, "agent": agent_of(request.user)}
        data = s.TicketSerializer(rows, many=True, context=context).data
        return paginator.get_paginated_response(data)

    @documented(
        request=s.OpenTicketRequest,
        responses={201: s.TicketSerializer},
        operation_id="tickets_open",
    )
    def post(self, request):
        """Open a ticket as the signed-in user, on a type they may open tickets on."""
        user = request.user
        if not permissions.can_create(user):
            raise PermissionDenied
        data, files = form_data(request)
        form = NewTicketForm(data, files, user=user)
        refuse_unknown(data, form)
        if not form.is_valid():
            raise form_errors(form)
        cleaned = form.cleaned_data
        ticket = actions.open_ticket(
            ticket_type=cleaned["type"],
            subject=cleaned["subject"],
            body_html=cleaned["body"],
            actor=user,
            requester=user,
            cc=cleaned["cc"],
            priority=cleaned.get("priority"),
            files=cleaned["attachments"],
            request=request._request,
        )
        return ticket_response(request, ticket, status.HTTP_201_CREATED)


class TicketDetailView(ApiView):
    """One ticket; PATCH changes its fields (agents of its type)."""

    parser_classes = ApiView.parser_classes

    @documented(responses=s.TicketSerializer, operation_id="ticket_get")
    def get(self, request, ticket_id: str):
        return ticket_response(request, get_ticket(request, ticket_id))

    @documented(
        request=s.ChangeTicketRequest, responses=s.ChangesResponse, operation_id="ticket_change"
    )
    def patch(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        user = request.user
        if not permissions.works_on(user, ticket):
            raise PermissionDenied
        data, _files = form_data(request)
        changes = change_fields(request, ticket, data)
        response = ticket_response(request, ticket)
        return Response({"ticket": response.data, "changes": changes})


class MessageListView(UploadView):
    """The conversation as the user may read it (internal notes for agents only), oldest
    first; POST adds a reply, or for agents an internal note, with files."""

    @documented(parameters=PAGE_PARAMETERS, responses=s.MessagePage, operation_id="messages_list")
    def get(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        paginator = KeysetPagination(MESSAGE_ORDERING)
        messages = permissions.visible_messages(request.user, ticket).prefetch_related(
            "attachments"
        )
        rows = paginator.paginate_queryset(messages, request, self)
        for message in rows:
            for item in message.attachments.all():
                item.message = message  # the URL needs its ticket: no query for it
        data = s.MessageSerializer(rows, many=True, context={"request": request}).data
        if not permissions.can_see_internal(request.user, ticket):
            for row in data:
                row.pop("is_internal", None)
        return paginator.get_paginated_response(data)

    @documented(
        request=s.MessageRequest,
        responses={201: s.MessageSerializer},
        operation_id="messages_create",
    )
    def post(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        if not permissions.can_reply(request.user, ticket):
            raise PermissionDenied
        data, files = form_data(request)
        form = ReplyForm(data, files)
        form.fields["internal"] = django_forms.BooleanField(required=False)
        refuse_unknown(data, form)
        if not form.is_valid():
            raise form_errors(form)
        message = actions.add_reply(
            ticket,
            actor=request.user,
            body_html=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
            internal=form.cleaned_data["internal"],
            request=request._request,
        )
        message = (
            permissions.visible_messages(request.user, ticket)
            .prefetch_related("attachments")
            .get(pk=message.pk)
        )
        data = s.MessageSerializer(message, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class TicketActionView(ApiView):
    """``claim``, ``close`` or ``reopen`` a ticket (POST, no body)."""

    verb = ""

    @documented(request=None, responses=s.TicketSerializer)
    def post(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        user = request.user
        if self.verb == "claim":
            if not permissions.works_on(user, ticket):
                raise PermissionDenied
            actions.claim_ticket(ticket, actor=user, request=request._request)
        elif self.verb == "close":
            if ticket.status.is_closed:
                raise ValidationError({"status": [_("The ticket is already closed.")]})
            actions.close_ticket(ticket, actor=user, request=request._request)
        elif self.verb == "reopen":
            if not ticket.status.is_closed:
                raise ValidationError({"status": [_("The ticket is not closed.")]})
            actions.reopen_ticket(ticket, actor=user, request=request._request)
        return ticket_response(request, ticket)


class AssignView(ApiView):
    """Assign the ticket to an agent of its type (``assignee``: a user id, or null)."""

    @documented(request=s.AssignRequest, responses=s.TicketSerializer, operation_id="ticket_assign")
    def post(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        if not permissions.works_on(request.user, ticket):
            raise PermissionDenied
        data, _files = form_data(request)
        if "assignee" not in data:
            raise ValidationError({"assignee": [_("This field is required.")]})
        change_fields(request, ticket, {"assignee": data["assignee"]})
        return ticket_response(request, ticket)


class MergeView(ApiView):
    """Merge the ticket into another (``target``: its id), as the workspace does: its
    messages move there, it closes and its number leads there. Agents of both types;
    a merge that would show a ticket to a customer who could not see it is refused
    (400). Answers the target."""

    @documented(request=s.MergeRequest, responses=s.TicketSerializer, operation_id="ticket_merge")
    def post(self, request, ticket_id: str):
        ticket = get_ticket(request, ticket_id)
        user = request.user
        if not permissions.works_on(user, ticket):
            raise PermissionDenied
        data, _files = form_data(request)
        refuse_unknown(data, MergeForm())
        form = MergeForm(data)
        if not form.is_valid():
            raise form_errors(form)
        target = get_ticket(request, str(form.cleaned_data["target"]))
        # a refusal is a Django ValidationError: the exception handler answers 400
        actions.merge_tickets([ticket], target, actor=user, request=request._request)
        return ticket_response(request, target)


class AttachmentView(ApiView):
    """A file of a message the user may read, as a download."""

    renderer_classes = ApiView.renderer_classes[:1]

    @documented(responses={(200, "*/*"): bytes}, operation_id="attachment_download")
    def get(self, request, ticket_id: str, attachment_id: str):
        ticket = get_ticket(request, ticket_id)
        pk = parse_id(attachment_id)
        if pk is None:
            raise Http404
        item = get_object_or_404(
            Attachment.objects.filter(
                message__in=permissions.visible_messages(request.user, ticket)
            ),
            pk=pk,
        )
        return download_response(item)


class CustomerTicketsView(ApiView):
    """The tickets of a customer record that the agent sees (the customer tab)."""

    @documented(
        parameters=[*PAGE_PARAMETERS, ORDERING_PARAMETER],
        responses=s.TicketPage,
        operation_id="customer_tickets_list",
    )
    def get(self, request, customer_id: str):
        user = request.user
        if not permissions.works_in_inbox(user):
            raise Http404
        model = get_customer_model()
        customer = get_object_or_404(model._default_manager, pk=customer_pk(model, customer_id))
        key = request.query_params.get("ordering") or "-updated_at"
        if key not in ORDERINGS:
            raise ValidationError({"ordering": [_("Choose one of: %s.") % ", ".join(ORDERINGS)]})
        paginator = KeysetPagination(ORDERINGS[key])
        tickets = permissions.agent_tickets(user).filter(customer=customer)
        rows = s.with_related(paginator.paginate_queryset(tickets, request, self))
        context = {"request": request, "agent": True}
        return paginator.get_paginated_response(
            s.TicketSerializer(rows, many=True, context=context).data
        )


class ConfigListView(ApiView):
    """A small table (types, statuses, priorities, categories), whole."""

    serializer_class: type = s.StatusSerializer
    model: type = Status

    def get_rows(self):
        return self.model.objects.all()

    def get(self, request):
        return Response(self.serializer_class(self.get_rows(), many=True).data)


class TypeListView(ConfigListView):
    """The active types the user holds any level on."""

    serializer_class = s.TicketTypeSerializer

    def get_rows(self):
        ids = list(permissions.type_access(self.request.user))
        return TicketType.objects.filter(pk__in=ids).select_related("group")

    @documented(responses=s.TicketTypeSerializer(many=True), operation_id="types_list")
    def get(self, request):
        return super().get(request)


class StatusListView(ConfigListView):
    serializer_class = s.StatusSerializer
    model = Status

    @documented(responses=s.StatusSerializer(many=True), operation_id="statuses_list")
    def get(self, request):
        return super().get(request)


class PriorityListView(ConfigListView):
    serializer_class = s.PrioritySerializer
    model = Priority

    @documented(responses=s.PrioritySerializer(many=True), operation_id="priorities_list")
    def get(self, request):
        return super().get(request)


class CategoryListView(ConfigListView):
    serializer_class = s.CategorySerializer
    model = Category

    @documented(responses=s.CategorySerializer(many=True), operation_id="categories_list")
    def get(self, request):
        return super().get(request)
