"""What erasure tells the apps that keep copies of a citizen's data in tables the core does not own.

The core erases its own tables (tickets.privacy.subjects). Other apps hold copies too: channels keeps
each provider's raw request (``InboundEvent``: name, number, text), officials keeps escalation texts
and their history notes. The core imports neither; it sends ``personal_data_erased`` with an
``ErasureScope`` *before* blanking its own rows (so the scope can still name what to look for), in the
same transaction, and each app connects a receiver in its ``AppConfig.ready``:
``channels.privacy`` and ``officials.privacy``. ``retention_swept`` follows every retention run so an
app can drop what it keeps only for a while (raw provider events after
``CURHAT_INBOUND_EVENT_RETENTION_DAYS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.dispatch import Signal

# sender: the core's function ("subject_erase" or "retention_sweep"); scope: ErasureScope.
personal_data_erased = Signal()
# sender: "retention_sweep"; now: the sweep's time.
retention_swept = Signal()


@dataclass(frozen=True)
class ErasureScope:
    """Everything an app needs to find its copies of one erasure's data."""

    reason: str  # "request" (the data-subject tool, Meta's deletion callback) or "retention"
    ticket_ids: list[int]
    # Normalized addresses (phone E.164, e-mail, Messenger PSID, ...) of contacts erased completely;
    # empty when a contact keeps other tickets with content (retention of one old ticket).
    identities: list[tuple[str, str]] = field(default_factory=list)
    # The providers' ids of the erased messages (in and out): raw events and status callbacks name them.
    provider_message_ids: list[str] = field(default_factory=list)
    # The earliest moment the erased data can have arrived (from the citizen themselves: others can
    # have named them earlier).
    since: dt.datetime | None = None
    # On request: the NIKs the citizen's own tickets wrote (16 digits); raw events naming one go too.
    niks: list[str] = field(default_factory=list)
