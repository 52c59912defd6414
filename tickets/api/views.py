"""REST API for tickets, their messages, contacts and canned answers (operators and admins)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tickets.api.audit import AuditedReads
from tickets.api.pagination import SafeCursorPagination
from tickets.api.permissions import IsInboxUser
from tickets.api.serializers import (
    CannedAnswerSerializer,
    ContactListSerializer,
    ContactSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    TicketDetailSerializer,
    TicketListSerializer,
)
from tickets.inbox.selectors.listing import (
    ASSIGNED_ANYONE,
    ASSIGNED_MINE,
    ASSIGNED_NONE,
    FILTER_DATE_MAX,
    FILTER_DATE_MIN,
    STATUS_ALL,
    InboxQuery,
    inbox_filter,
)
from tickets.models import CannedAnswer, Channel, Contact, ContactIdentity, Ticket


class TicketCursorPagination(SafeCursorPagination):
    """Keyset pagination on the inbox index: a deep page costs what the first one costs."""

    ordering = ("-last_activity_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class IdCursorPagination(SafeCursorPagination):
    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TimelinePagination(SafeCursorPagination):
    ordering = ("created_at", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _int_param(params, name: str) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit():
        raise ValidationError({name: "harus berupa angka"})
    return int(raw)


def _date_param(params, name: str) -> dt.date | None:
    raw = params.get(name, "")
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({name: "tanggal harus berformat YYYY-MM-DD"}) from exc
    if not FILTER_DATE_MIN <= day <= FILTER_DATE_MAX:
        raise ValidationError({name: f"tanggal harus antara {FILTER_DATE_MIN} dan {FILTER_DATE_MAX}"})
    return day


def inbox_query_from_params(params) -> InboxQuery:
    """The inbox's filters from query parameters; a bad value is a 400 with the parameter's name."""
    for name, value in params.items():
        if "\x00" in value:
            raise ValidationError({name: "karakter NUL tidak diizinkan"})
    status_value = params.get("status", "")
    if status_value and status_value != STATUS_ALL and status_value not in Ticket.Status.values:
        raise ValidationError(
            {"status": f"salah satu dari: {', '.join([*Ticket.Status.values, STATUS_ALL])}"}
        )
    channel = params.get("channel", "")
    if channel and channel not in Channel.values:
        raise ValidationError({"channel": f"salah satu dari: {', '.join(Channel.values)}"})
    assigned = params.get("assigned", ASSIGNED_ANYONE)
    if assigned not in (ASSIGNED_ANYONE, ASSIGNED_MINE, ASSIGNED_NONE):
        raise ValidationError({"assigned": "salah satu dari: anyone, mine, unassigned"})
    return InboxQuery(
        status=status_value,
        channel=channel,
        topic_id=_int_param(params, "topic"),
        department_id=_int_param(params, "department"),
        assigned=assigned,
        waiting_official=params.get("waiting_official") in ("1", "true"),
        date_from=_date_param(params, "date_from"),
        date_to=_date_param(params, "date_to"),
        q=params.get("q", "").strip()[:200],
    )


TICKET_FILTERS = [
    OpenApiParameter(
        "status",
        str,
        description="new, open, waiting_official, answered, resolved, closed, or "
        "'semua'; default: every status that still needs work",
    ),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("topic", int),
    OpenApiParameter("department", int),
    OpenApiParameter("assigned", str, enum=[ASSIGNED_ANYONE, ASSIGNED_MINE, ASSIGNED_NONE]),
    OpenApiParameter("waiting_official", bool),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("q", str, description="reference, name, phone, e-mail or message text"),
]


class TicketViewSet(AuditedReads, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsInboxUser]
    audit_name = "ticket"
    audit_actions = ("messages",)
    pagination_class = TicketCursorPagination
    identities = Prefetch(
        "contact__identities", queryset=ContactIdentity.objects.order_by("created_at", "id")
    )

    def get_queryset(self):
        base = Ticket.objects.select_related("contact", "topic", "department", "assignee").prefetch_related(
            self.identities
        )
        if self.action == "list":
            try:
                query = inbox_query_from_params(self.request.query_params)
            except DjangoValidationError as exc:
                raise ValidationError(exc.messages) from exc
            return (
                inbox_filter(user=self.request.user, query=query)
                .select_related("contact", "topic", "department", "assignee")
                .prefetch_related(self.identities)
            )
        return base

    def get_serializer_class(self):
        return TicketListSerializer if self.action == "list" else TicketDetailSerializer

    @extend_schema(parameters=TICKET_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=MessageSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=TimelinePagination)
    def messages(self, request, pk=None, **kwargs):  # kwargs: "format" of messages.json
        ticket = self.get_object()
        messages = ticket.messages.select_related("author").prefetch_related("attachments")
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer})
    @messages.mapping.post
    def create_message(self, request, pk=None, **kwargs):
        from tickets.relay.notes import message_note_create
        from tickets.relay.outbox import message_reply_create, reply_length_error, reply_refusal

        ticket = self.get_object()
        serializer = MessageCreateSerializer(data=request.data)
        if not serializer.is_valid():
            # A reply longer than any channel takes: refused with this channel's own limit.
            raw = request.data.get("body") if hasattr(request.data, "get") else None
            if (
                "body" in serializer.errors
                and isinstance(raw, str)
                and request.data.get("direction") == "out"
            ):
                channel = request.data.get("channel")
                too_long = reply_length_error(
                    ticket=ticket, body=raw, channel=channel if channel in Channel.values else None
                )
                if too_long is not None:
                    raise ValidationError({"body": too_long.messages})
            raise ValidationError(serializer.errors)
        data = serializer.validated_data
        try:
            if data["direction"] == "note":
                message = message_note_create(ticket=ticket, author=request.user, body=data["body"])
            else:
                refusal = reply_refusal(ticket=ticket, channel=data.get("channel"))
                if refusal:
                    raise DjangoValidationError(refusal, code="window_closed")
                message = message_reply_create(
                    ticket=ticket, author=request.user, body=data["body"], channel=data.get("channel")
                )
        except DjangoValidationError as exc:
            raise ValidationError({"body": exc.messages}) from exc
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ContactViewSet(AuditedReads, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsInboxUser]
    audit_name = "contact"
    pagination_class = IdCursorPagination
    queryset = Contact.objects.filter(merged_into__isnull=True).prefetch_related(
        Prefetch("identities", queryset=ContactIdentity.objects.order_by("created_at", "id"))
    )

    def get_serializer_class(self):
        return ContactListSerializer if self.action == "list" else ContactSerializer


class CannedAnswerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsInboxUser]
    serializer_class = CannedAnswerSerializer
    pagination_class = IdCursorPagination

    def get_queryset(self):
        answers = CannedAnswer.objects.filter(is_active=True).select_related("topic")
        text = self.request.query_params.get("q", "").strip()
        if "\x00" in text:  # PostgreSQL refuses NUL in text: a 400, not a server error
            raise ValidationError({"q": "karakter NUL tidak diizinkan"})
        if text:
            answers = answers.filter(title__icontains=text) | answers.filter(body__icontains=text)
        return answers

    @extend_schema(parameters=[OpenApiParameter("q", str, description="search in title and text")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
