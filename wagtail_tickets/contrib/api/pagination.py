"""Cursor pagination on an indexed ordering (keyset): a page is "the next N rows after
this (value, id)", read from the ordering's index however deep the client has gone. No
page numbers and no totals: counting a million tickets for a total nobody reads would
cost more than the page."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from wagtail_tickets.conf import app_settings
from wagtail_tickets.ids import parse_id

CURSOR_PARAM = "cursor"
SIZE_PARAM = "page_size"
MAX_CURSOR_LENGTH = 200


@dataclass(frozen=True)
class Ordering:
    """Rows ordered by ``field`` then id, both ascending or both descending."""

    field: str
    descending: bool
    kind: str = "datetime"  # how the cursor's value is read back: datetime or text

    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return (f"{sign}{self.field}", f"{sign}pk")

    def after(self, value, pk: int) -> Q:
        op = "lt" if self.descending else "gt"
        # the first condition alone is what the index range serves
        return Q(**{f"{self.field}__{op}e": value}) & (
            Q(**{f"{self.field}__{op}": value}) | Q(**{self.field: value, f"pk__{op}": pk})
        )


def encode(value, pk: int) -> str:
    text = json.dumps([value.isoformat() if hasattr(value, "isoformat") else value, pk])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, ordering: Ordering):
    """``(value, pk)`` of a cursor this API made; a 400 for anything else."""
    invalid = ValidationError({CURSOR_PARAM: [_("Invalid cursor.")]})
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid from None
    pk = parse_id(pk)
    if pk is None or not isinstance(value, str):
        raise invalid
    if ordering.kind == "datetime":
        try:
            value = parse_datetime(value)
        except ValueError:
            value = None
        if value is None:
            raise invalid
    elif not value.isprintable():
        raise invalid
    return value, pk


class KeysetPagination(BasePagination):
    """``?cursor=`` from the previous page's ``next``; ``?page_size=`` up to twice
    ``API_PAGE_SIZE``. The view sets ``ordering`` before it paginates."""

    ordering: Ordering

    def __init__(self, ordering: Ordering | None = None):
        if ordering is not None:
            self.ordering = ordering

    def page_size(self, request) -> int:
        default = max(1, app_settings.API_PAGE_SIZE)
        raw = request.query_params.get(SIZE_PARAM)
        if raw is None:
            return default
        size = parse_id(raw)
        if size is None:
            raise ValidationError({SIZE_PARAM: [_("Enter a whole number from 1.")]})
        return min(size, default * 2)

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        self.request = request
        size = self.page_size(request)
        cursor = request.query_params.get(CURSOR_PARAM)
        if cursor:
            value, pk = decode(cursor, self.ordering)
            queryset = queryset.filter(self.ordering.after(value, pk))
        rows = list(queryset.order_by(*self.ordering.order_by())[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        return rows

    def next_link(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        cursor = encode(getattr(self.last, self.ordering.field), self.last.pk)
        return replace_query_param(self.request.build_absolute_uri(), CURSOR_PARAM, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "The cursor of the next page (from the previous page's next).",
                "schema": {"type": "string"},
            },
            {
                "name": SIZE_PARAM,
                "required": False,
                "in": "query",
                "description": "Rows per page.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]
