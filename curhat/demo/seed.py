"""Seeding the demo: reference data, knowledge base, staff, accounts, then the conversations through
the same ingest as real traffic."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from channels.models import Provider
from officials.models import Escalation
from tickets.inbound import InboundMessage, Sender
from tickets.ingest import ticket_ingest
from tickets.models import Channel, Department, Message, Ticket, Topic
from tickets.reference_data import reference_data_seed

from .conversations import CITIZENS, CONVERSATIONS
from .office import ensure_demo_accounts, ensure_demo_users


def _sender_for(channel: str, index: int, phone: str) -> Sender:
    name = CITIZENS[index % len(CITIZENS)][0]
    if channel == Channel.EMAIL:
        local = slugify(name).replace("-", ".")
        return Sender("email", f"{local}@example.com", name)
    if channel == Channel.FACEBOOK:
        return Sender("facebook_psid", f"{6200000000000000 + index}", name)
    return Sender("phone", phone, name)


PROVIDER_OF = {
    Channel.WHATSAPP: Provider.META_WHATSAPP,
    Channel.WHATSAPP_CALL: Provider.OPERATOR,
    Channel.PHONE: Provider.TWILIO_VOICE,
    Channel.EMAIL: Provider.EMAIL_IMAP,
    Channel.FACEBOOK: Provider.MESSENGER,
    Channel.WEBSITE: Provider.WEBSITE,
}


@transaction.atomic
def demo_data_seed(*, rounds: int = 2, seed: int = 2020) -> dict[str, int]:
    """Create demo staff, channel accounts and ``rounds`` × the demo conversations (idempotent users)."""
    reference_data_seed()
    from tickets.knowledge.entries import knowledge_seed

    knowledge_seed()
    users = ensure_demo_users()
    accounts = ensure_demo_accounts()
    rng = random.Random(seed)
    operators = [users["operator"], users["operator2"]]
    now = timezone.now()
    topics = {t.code: t for t in Topic.objects.select_related("department")}
    created = 0
    for round_no in range(rounds):
        for index, (channel, topic_code, questions, answers, escalate_to) in enumerate(CONVERSATIONS):
            citizen = (index + round_no * 5) % len(CITIZENS)
            phone = CITIZENS[citizen][1][:-2] + f"{round_no}{index % 10}"
            sender = _sender_for(channel, citizen + round_no * 100, phone)
            opened = now - dt.timedelta(days=rng.randint(0, 27) + round_no * 28, minutes=rng.randint(0, 600))
            opened = opened.replace(
                hour=rng.randint(0, 23) if channel == Channel.WHATSAPP else rng.randint(0, 7)
            )
            ticket = None
            when = opened
            for q_no, question in enumerate(questions):
                result = ticket_ingest(
                    message=InboundMessage(
                        channel=channel,
                        provider=PROVIDER_OF[channel],
                        provider_message_id=f"demo-{round_no}-{index}-{q_no}",
                        sender=sender,
                        timestamp=when,
                        text=question,
                        kind="call" if channel in (Channel.PHONE, Channel.WHATSAPP_CALL) else "text",
                        subject="Pertanyaan adminduk" if channel == Channel.EMAIL else "",
                        meta={"duration_seconds": rng.randint(60, 420)}
                        if channel in (Channel.PHONE, Channel.WHATSAPP_CALL)
                        else {},
                    ),
                    account=accounts.get(channel),
                )
                ticket = result.ticket
                created += result.ticket_created
                when += dt.timedelta(minutes=rng.randint(2, 30))
            assert ticket is not None
            topic = topics[topic_code]
            operator = operators[index % 2]
            ticket.topic = topic
            ticket.department = topic.department
            ticket.assignee = operator if (index + round_no) % 3 else None
            for answer in answers:
                when += dt.timedelta(minutes=rng.randint(3, 90))
                Message.objects.create(
                    ticket=ticket,
                    direction=Message.Direction.OUT,
                    channel=channel,
                    account=accounts.get(channel),
                    provider=PROVIDER_OF[channel],
                    provider_message_id=f"demo-out-{round_no}-{index}",
                    body=answer,
                    author=operator,
                    status=Message.Status.READ,
                    created_at=when,
                    sent_at=when,
                    delivered_at=when,
                    read_at=when,
                    attempts=1,
                )
                ticket.first_response_at = ticket.first_response_at or when
                ticket.status = Ticket.Status.ANSWERED
            if escalate_to:
                department = Department.objects.get(code=escalate_to)
                Message.objects.create(
                    ticket=ticket,
                    direction=Message.Direction.NOTE,
                    channel=channel,
                    author=operator,
                    body=f"Perlu jawaban {department.short_name}, diteruskan ke pejabat.",
                    status=Message.Status.RECEIVED,
                    created_at=when + dt.timedelta(minutes=5),
                )
                Escalation.objects.create(
                    ticket=ticket,
                    department=department,
                    official=department.default_official,
                    question=f"Mohon arahan untuk pertanyaan warga: {questions[0][:300]}",
                    requested_by=operator,
                    created_at=when + dt.timedelta(minutes=6),
                    due_at=when + dt.timedelta(days=3),
                )
                ticket.status = Ticket.Status.WAITING_OFFICIAL
            if round_no == 1 and ticket.status == Ticket.Status.ANSWERED and index % 2 == 0:
                ticket.status = Ticket.Status.RESOLVED
                ticket.resolved_at = when + dt.timedelta(hours=1)
            ticket.last_activity_at = max(ticket.last_activity_at, when)
            ticket.save()
    return {"tickets": created, "users": len(users)}
