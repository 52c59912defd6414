"""Erasure of the escalation texts this app keeps (tickets.privacy.erasure).

An escalation's question, the official's answer, the note it was returned with and every note of its
history may quote the citizen (name, NIK, phone). On erasure they are blanked; the escalation rows and
their history stay (who, when, which department: the escalation report counts them).
"""

from __future__ import annotations

from officials.models import Escalation, EscalationEvent
from tickets.privacy.erasure import ErasureScope

ERASED_TEXT = "[dihapus]"


def escalations_erase(sender, *, scope: ErasureScope, **kwargs) -> None:
    """Receiver of ``personal_data_erased``."""
    escalations = Escalation.objects.filter(ticket_id__in=scope.ticket_ids)
    EscalationEvent.objects.filter(escalation__in=escalations).exclude(note="").update(note="")
    escalations.update(question=ERASED_TEXT, answer="", return_note="")


def connect() -> None:
    from tickets.privacy.erasure import personal_data_erased

    personal_data_erased.connect(escalations_erase, dispatch_uid="officials-escalations-erase")
