"""The core's models, one module per context; every model is importable from ``tickets.models``.

The submodules import each other directly (``from .tickets import Ticket``), never this package, and
nothing here imports the app's sub-packages (inbox, privacy, knowledge, ...): they build on these.
``new_tracking_token`` and ``attachment_upload_to`` are referenced by migration 0001.
"""

from .contacts import Contact, ContactIdentity
from .knowledge import (
    CannedAnswer,
    ClassifierPhrase,
    KnowledgeEntry,
    KnowledgeRevision,
    TopicSuggestion,
)
from .messages import Attachment, DeliveryAttempt, Message, attachment_upload_to
from .office import Department, Official, PublicHoliday, WorkDay
from .privacy import AuditEvent, NikHashKeyRecord, NumberMention, RetentionPolicy
from .tickets import Channel, Ticket, TicketReadState, TicketSequence, Topic, new_tracking_token

__all__ = [
    "Attachment",
    "AuditEvent",
    "CannedAnswer",
    "Channel",
    "ClassifierPhrase",
    "Contact",
    "ContactIdentity",
    "DeliveryAttempt",
    "Department",
    "KnowledgeEntry",
    "KnowledgeRevision",
    "Message",
    "NikHashKeyRecord",
    "NumberMention",
    "Official",
    "PublicHoliday",
    "RetentionPolicy",
    "Ticket",
    "TicketReadState",
    "TicketSequence",
    "Topic",
    "TopicSuggestion",
    "WorkDay",
    "attachment_upload_to",
    "new_tracking_token",
]
