"""API representations of tickets, messages, contacts and canned answers.

Lists mask phone numbers and e-mail addresses (DESIGN §5.7); a single ticket or contact shows them in
full to the roles that work it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tickets.identities import mask_identity
from tickets.models import Attachment, CannedAnswer, Channel, Contact, ContactIdentity, Message, Ticket
from tickets.privacy.filenames import attachment_display_name
from tickets.privacy.nik import mask_personal_text


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactIdentity
        fields = ("kind", "value")


class MaskedIdentitySerializer(serializers.ModelSerializer):
    value = serializers.SerializerMethodField()

    class Meta:
        model = ContactIdentity
        fields = ("kind", "value")

    def get_value(self, identity: ContactIdentity) -> str:
        return mask_identity(identity.kind, identity.value)


class ContactSerializer(serializers.ModelSerializer):
    identities = IdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = ("id", "name", "identities", "created_at")


class ContactListSerializer(serializers.ModelSerializer):
    identities = MaskedIdentitySerializer(many=True, read_only=True)
    # A profile name is the citizen's free text ("Andi 7372014507900001"): masked like a subject.
    name = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ("id", "name", "identities", "created_at")

    def get_name(self, contact: Contact) -> str:
        return mask_personal_text(contact.name)


class TicketListSerializer(serializers.ModelSerializer):
    contact = ContactListSerializer(read_only=True)
    # An e-mail's subject is the citizen's free text: the list masks NIK, e-mail and phone in it.
    subject = serializers.SerializerMethodField()
    topic = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Ticket
        fields = (
            "id",
            "reference",
            "status",
            "channel",
            "subject",
            "topic",
            "department",
            "assignee",
            "contact",
            "created_at",
            "last_activity_at",
            "last_inbound_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
        )

    def get_subject(self, ticket: Ticket) -> str:
        return mask_personal_text(ticket.subject)


class TicketDetailSerializer(TicketListSerializer):
    contact = ContactSerializer(read_only=True)
    subject = serializers.CharField(read_only=True)


class AttachmentSerializer(serializers.ModelSerializer):
    # The citizen's file name ("KTP 7372014507900001.jpg") as pages show it: masked.
    original_name = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = (
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "download_status",
            "download_error",
        )

    def get_original_name(self, attachment: Attachment) -> str:
        return attachment_display_name(attachment)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = (
            "id",
            "direction",
            "kind",
            "channel",
            "body",
            "author",
            "status",
            "error_code",
            "error_text",
            "attempts",
            "created_at",
            "sent_at",
            "delivered_at",
            "read_at",
            "attachments",
        )


class MessageCreateSerializer(serializers.Serializer):
    """A reply to the citizen (sent through the outbound relay) or an internal note."""

    direction = serializers.ChoiceField(
        choices=[("out", _("Balasan ke warga")), ("note", _("Catatan internal"))]
    )
    body = serializers.CharField(max_length=4096, trim_whitespace=True)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)


class CannedAnswerSerializer(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CannedAnswer
        fields = ("id", "title", "body", "topic", "shortcut", "updated_at")
