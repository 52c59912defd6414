"""The knowledge base as domain.md §2 gives it: one entry per service, and the classifier's phrases.

Only used to *seed* the database (tickets.knowledge.entries.knowledge_seed): afterwards the office edits the
rows in the admin. Entries whose source is tagged [M] in domain.md, or where sources conflict or the
point is listed as open (§8), are seeded ``unconfirmed`` with what the office has to check.

Each entry: slug, topic code, department code, title, summary, checklist, forms, legal basis, notes,
unconfirmed note ("" = confirmed), primary for its topic, phrases [(phrase, weight)]. Entries are
kept by service family, one module each, in the order the knowledge base lists them.
"""

from __future__ import annotations

from .civil_records import CIVIL_RECORDS
from .common import FEE, GENERAL_NOTES, SERVICE_TIME
from .digital_id import DIGITAL_ID
from .family_card import FAMILY_CARD
from .identity_cards import IDENTITY_CARDS
from .moves import MOVES_AND_DATA
from .phrases import TOPIC_PHRASES

ENTRIES: list[dict] = [*FAMILY_CARD, *IDENTITY_CARDS, *CIVIL_RECORDS, *MOVES_AND_DATA, *DIGITAL_ID]

__all__ = ["ENTRIES", "FEE", "GENERAL_NOTES", "SERVICE_TIME", "TOPIC_PHRASES"]
