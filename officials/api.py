"""REST API for escalations: operators see all and create them; officials see their departments'
and answer or return them (through the same services as the web queue)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from tickets.api.audit import AuditedReads
from tickets.api.pagination import SafeCursorPagination
from tickets.api.permissions import IsInboxUserOrOfficial
from tickets.models import Department, Official, Ticket
from tickets.privacy.nik import mask_personal_text
from tickets.roles import can_use_inbox

from . import services
from .models import Escalation
from .selectors import official_departments


class EscalationSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    official = serializers.StringRelatedField()

    class Meta:
        model = Escalation
        fields = (
            "id",
            "ticket",
            "department",
            "official",
            "question",
            "answer",
            "return_note",
            "status",
            "created_at",
            "due_at",
            "answered_at",
        )


class EscalationListSerializer(EscalationSerializer):
    """The list, as every list of the API: the citizen's free text (question, answer, return note) with
    NIK/KK numbers, e-mail addresses and phone numbers masked; one escalation shows them whole."""

    question = serializers.SerializerMethodField()
    answer = serializers.SerializerMethodField()
    return_note = serializers.SerializerMethodField()

    def get_question(self, escalation: Escalation) -> str:
        return mask_personal_text(escalation.question)

    def get_answer(self, escalation: Escalation) -> str:
        return mask_personal_text(escalation.answer)

    def get_return_note(self, escalation: Escalation) -> str:
        return mask_personal_text(escalation.return_note)


class NulSafeSlugRelatedField(serializers.SlugRelatedField):
    """PostgreSQL refuses NUL in text: such a slug can match nothing and is refused before the query."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class EscalationCreateSerializer(serializers.Serializer):
    ticket = NulSafeSlugRelatedField(slug_field="reference", queryset=Ticket.objects.all())
    department = NulSafeSlugRelatedField(
        slug_field="code", queryset=Department.objects.filter(is_active=True)
    )
    official = serializers.PrimaryKeyRelatedField(
        queryset=Official.objects.all(), required=False, allow_null=True
    )
    question = serializers.CharField(max_length=4000)
    notify_citizen = serializers.BooleanField(default=False)


class AnswerSerializer(serializers.Serializer):
    # Only a sanity cap: the ticket's channel limit (Facebook 2,000, SMS 1,600, WhatsApp 4,096) is
    # checked by escalation_answer, whose refusal names that limit.
    answer = serializers.CharField(max_length=20_000)


class ReturnSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class DueOrder(SafeCursorPagination):
    ordering = ("due_at", "id")
    page_size = 50


class EscalationViewSet(AuditedReads, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsInboxUserOrOfficial]
    audit_name = "escalation"
    serializer_class = EscalationSerializer
    pagination_class = DueOrder

    def get_serializer_class(self):
        return EscalationListSerializer if self.action == "list" else EscalationSerializer

    def get_queryset(self):
        escalations = Escalation.objects.select_related("ticket", "department", "official__user")
        if not can_use_inbox(self.request.user):  # an official: their departments only
            escalations = escalations.filter(department__in=official_departments(user=self.request.user))
        wanted = self.request.query_params.get("status", "")
        if wanted:
            if wanted not in Escalation.Status.values:
                raise ValidationError({"status": f"salah satu dari: {', '.join(Escalation.Status.values)}"})
            escalations = escalations.filter(status=wanted)
        return escalations

    @extend_schema(request=EscalationCreateSerializer, responses={201: EscalationSerializer})
    def create(self, request, *args, **kwargs):
        if not can_use_inbox(request.user):
            raise PermissionDenied("Hanya operator yang dapat meneruskan tiket ke pejabat.")
        payload = EscalationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            escalation = services.escalation_create(
                ticket=data["ticket"],
                department=data["department"],
                official=data.get("official"),
                question=data["question"],
                requested_by=request.user,
                notify_citizen=data["notify_citizen"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)

    def _official_action(self, request, run):
        escalation = self.get_object()
        try:
            escalation = run(escalation)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return Response(EscalationSerializer(escalation).data)

    @extend_schema(request=AnswerSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        payload = AnswerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._official_action(
            request,
            lambda e: services.escalation_answer(
                escalation=e, user=request.user, answer=payload.validated_data["answer"]
            ),
        )

    @extend_schema(
        request=ReturnSerializer, responses=EscalationSerializer, operation_id="escalations_return"
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_operator(self, request, pk=None):
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._official_action(
            request,
            lambda e: services.escalation_return(
                escalation=e, user=request.user, note=payload.validated_data["note"]
            ),
        )
