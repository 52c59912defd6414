"""E-mails about escalations. They carry the reference, the department, the due time and a link,
never the citizen's words or numbers (those stay behind the login).

The services ask for one with :func:`notify_after_commit`; a Celery task sends it once the
escalation is committed. The task lives here, with what it runs, so that the services enqueue it
without importing ``officials.tasks`` (whose clock task calls the services).
"""

from __future__ import annotations

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Escalation

logger = logging.getLogger(__name__)


def notify_after_commit(escalation_id: int, kind: str) -> None:
    """Send the e-mail for escalation event ``kind`` once the current transaction commits."""
    transaction.on_commit(partial(_enqueue, escalation_id, kind))


def _enqueue(escalation_id: int, kind: str) -> None:
    try:
        escalation_notify_task.delay(escalation_id, kind)
    except Exception:  # the broker being down delays an e-mail; the escalation itself is committed
        logger.exception("could not enqueue %s notification for escalation %s", kind, escalation_id)


# Named as when it was defined in officials.tasks, so queued tasks survive the upgrade.
@shared_task(
    name="officials.tasks.escalation_notify_task",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
)
def escalation_notify_task(escalation_id: int, kind: str) -> int:
    return escalation_notify(escalation_id=escalation_id, kind=kind)


def _official_addresses(escalation: Escalation) -> list[str]:
    if escalation.official is not None and escalation.official.user.email:
        return [escalation.official.user.email]
    # Nobody assigned (everyone away, or no default): every available official of the department.
    return sorted(
        {
            o.user.email
            for o in escalation.department.officials.filter(
                is_available=True, user__is_active=True
            ).select_related("user")
            if o.user.email
        }
    )


def _operator_addresses(escalation: Escalation) -> list[str]:
    user = escalation.requested_by
    return [user.email] if user is not None and user.email else []


def _due(escalation: Escalation) -> str:
    return timezone.localtime(escalation.due_at).strftime("%d-%m-%Y %H:%M WITA")


def escalation_notify(*, escalation_id: int, kind: str) -> int:
    """Send the e-mail for an escalation event ``kind``; returns how many messages went out."""
    escalation = (
        Escalation.objects.select_related("ticket", "department", "official__user", "requested_by")
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:
        return 0
    queue_url = settings.PUBLIC_BASE_URL + reverse("officials:detail", args=[escalation.pk])
    ticket_url = settings.PUBLIC_BASE_URL + reverse(
        "officials:ticket_escalations", args=[escalation.ticket_id]
    )
    ref, dept, due = escalation.ticket.reference, escalation.department.name, _due(escalation)
    messages = {
        "created": (
            _official_addresses,
            _("[Curhat Adminduk] Eskalasi baru %(ref)s untuk %(dept)s") % {"ref": ref, "dept": dept},
            _(
                "Ada pertanyaan warga yang diteruskan kepada Anda.\nTiket: %(ref)s\nJatuh tempo: %(due)s\n\nBuka: %(url)s"
            )
            % {"ref": ref, "due": due, "url": queue_url},
        ),
        "reminder": (
            _official_addresses,
            _("[Curhat Adminduk] Pengingat: eskalasi %(ref)s jatuh tempo %(due)s") % {"ref": ref, "due": due},
            _("Eskalasi %(ref)s belum dijawab dan jatuh tempo %(due)s.\n\nBuka: %(url)s")
            % {"ref": ref, "due": due, "url": queue_url},
        ),
        "overdue": (
            lambda e: sorted(set(_operator_addresses(e) + _official_addresses(e))),
            _("[Curhat Adminduk] Eskalasi %(ref)s melewati jatuh tempo") % {"ref": ref},
            _(
                "Eskalasi %(ref)s ke %(dept)s belum dijawab; jatuh tempo %(due)s sudah lewat.\n\nTiket: %(url)s"
            )
            % {"ref": ref, "dept": dept, "due": due, "url": ticket_url},
        ),
        "returned": (
            _operator_addresses,
            _("[Curhat Adminduk] Eskalasi %(ref)s dikembalikan") % {"ref": ref},
            _("Pejabat %(dept)s mengembalikan eskalasi %(ref)s dengan catatan. \n\nTiket: %(url)s")
            % {"ref": ref, "dept": dept, "url": ticket_url},
        ),
        "to_approve": (
            _operator_addresses,
            _("[Curhat Adminduk] Jawaban pejabat untuk %(ref)s menunggu persetujuan") % {"ref": ref},
            _("Pejabat %(dept)s telah menjawab %(ref)s. Periksa dan setujui jawabannya.\n\nTiket: %(url)s")
            % {"ref": ref, "dept": dept, "url": ticket_url},
        ),
    }
    recipients_of, subject, body = messages[kind]
    recipients = recipients_of(escalation)
    if not recipients:
        return 0
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
