"""Searching the inbox: which tickets match what an operator typed (a reference, a phone number in
any spelling, an e-mail address, words of a name or of any message), and on PostgreSQL a plan that
stays fast for rare and common words alike."""

from __future__ import annotations

import contextlib
import hashlib

from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact, SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from tickets.identities import normalize_phone
from tickets.ingest import REFERENCE_PATTERN
from tickets.models import Contact, ContactIdentity, Message

# A searched word shorter than this matches too much to be useful as free text.
MIN_TEXT_SEARCH = 2


def _identity_candidates(text: str) -> list[str]:
    values = {text.lower()}
    if any(ch.isdigit() for ch in text):
        with contextlib.suppress(ValidationError):
            values.add(normalize_phone(text))
    return sorted(values)


def ticket_search_filter(text: str) -> Q:
    """Tickets matching ``text``: an exact reference, phone number (any spelling) or e-mail address,
    or words of the contact's name or of any message. PostgreSQL uses full-text search ('simple'
    configuration: citizens write in Indonesian, regional languages and abbreviations, so no
    stemming); SQLite falls back to substring matching."""
    text = text.strip()
    if not text:
        return Q()
    # Naming every kind lets the (kind, value) unique index answer: a value alone is not its prefix.
    exact_contacts = ContactIdentity.objects.filter(
        kind__in=ContactIdentity.Kind.values, value__in=_identity_candidates(text)
    ).values("contact_id")
    if connection.vendor == "postgresql":
        return _postgres_search(text, exact_contacts)
    if len(text) < MIN_TEXT_SEARCH:
        return Q(reference__iexact=text) | Q(contact_id__in=exact_contacts)
    return (
        Q(reference__icontains=text)
        | Q(contact_id__in=exact_contacts)
        | Q(contact_id__in=ContactIdentity.objects.filter(value__icontains=text).values("contact_id"))
        | Q(contact__name__icontains=text)
        | Q(id__in=Message.objects.filter(body__icontains=text).values("ticket_id"))
    )


# A word matching at most this many messages (or contact names) is looked up through its GIN index
# and the matching tickets fetched by id; a commoner word is checked per ticket while walking the
# inbox newest-first, where its many matches fill a page after a few rows.
FEW_MATCHES = 2000
# The messages' stored tsvector (migration 0006, PostgreSQL only; not a model field). Unqualified, so
# that it names the message table's column inside Django's aliased subqueries too.
MESSAGE_SEARCH_COLUMN = "body_search"


# What the statistics of each searched vector are called (table or index, column).
MESSAGE_STATS = ("tickets_message", MESSAGE_SEARCH_COLUMN)
NAME_STATS = ("contact_name_fts_idx", "to_tsvector")
COMMON_WORDS_CACHE_SECONDS = 600
_COMMON_SQL = """
WITH lexemes AS (
    SELECT unnest(tsvector_to_array(to_tsvector('simple'::regconfig, %(text)s))) AS lexeme
), stats AS (
    SELECT s.tablename, s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs,
           c.reltuples
    FROM pg_stats AS s
    JOIN pg_class AS c ON c.relname = s.tablename AND c.relnamespace = to_regnamespace(s.schemaname)
    WHERE s.schemaname = current_schema()
      AND ((s.tablename = %(m_table)s AND s.attname = %(m_column)s)
        OR (s.tablename = %(n_table)s AND s.attname = %(n_column)s))
)
SELECT stats.tablename
FROM stats CROSS JOIN lexemes
GROUP BY stats.tablename
HAVING bool_and(coalesce(stats.freqs[array_position(stats.elems, lexemes.lexeme)], 0) * stats.reltuples
                > %(few)s)
"""


def _common_everywhere(text: str) -> set[str]:
    """The searched vectors (by table or index name) in which, by PostgreSQL's statistics of their
    most common words, every word of ``text`` is found in more than FEW_MATCHES rows: there the
    matches are not worth fetching (a GIN index gives none before it has found them all). One
    query on the statistics; a word they do not list is taken as rare and fetched with a cap,
    which also catches statistics that are out of date."""
    key = "curhat:search:common:" + hashlib.sha256(f"{FEW_MATCHES}:{text.lower()}".encode()).hexdigest()
    with contextlib.suppress(Exception):  # no cache: ask the statistics
        cached = cache.get(key)
        if cached is not None:
            return set(cached)
    params: dict[str, str | int] = {
        "text": text,
        "m_table": MESSAGE_STATS[0],
        "m_column": MESSAGE_STATS[1],
        "n_table": NAME_STATS[0],
        "n_column": NAME_STATS[1],
        "few": FEW_MATCHES,
    }
    with connection.cursor() as cursor:
        cursor.execute(_COMMON_SQL, params)
        common = {row[0] for row in cursor.fetchall()}
    with contextlib.suppress(Exception):
        # Statistics move with ANALYZE (autovacuum), not with each message: a few minutes is fresh.
        cache.set(key, sorted(common), COMMON_WORDS_CACHE_SECONDS)
    return common


def _few_matches(queryset: QuerySet, column: str) -> list[int] | None:
    """The matches' ``column`` values when there are at most FEW_MATCHES of them, else None."""
    found = list(queryset.values_list(column, flat=True)[: FEW_MATCHES + 1])
    return found if len(found) <= FEW_MATCHES else None


def _postgres_search(text: str, exact_contacts: QuerySet) -> Q:
    """Full-text search that stays fast for rare and common words alike (see FEW_MATCHES): a rare
    word becomes a short list of ticket or contact ids (no scan of the ticket table), a common one a
    per-ticket EXISTS over the stored vectors, which the newest-first walk of the inbox satisfies
    after a few rows. Costs at most four small queries before the page's own (the statistics,
    once per word per COMMON_WORDS_CACHE_SECONDS; the rare-word fetches; the exact identities)."""
    words = SearchQuery(text, config="simple", search_type="websearch")
    stored = RawSQL(MESSAGE_SEARCH_COLUMN, [], output_field=SearchVectorField())  # noqa: S611 (a constant)
    message_hits = Message.objects.annotate(fts=stored).filter(fts=words).order_by()
    name_hits = (
        Contact.objects.annotate(fts=SearchVector("name", config="simple")).filter(fts=words).order_by()
    )
    common = _common_everywhere(text)
    by_message = None if MESSAGE_STATS[0] in common else _few_matches(message_hits, "ticket_id")
    by_name = None if NAME_STATS[0] in common else _few_matches(name_hits, "id")
    # Contact ids as a list, not a subquery: "reference = x OR contact_id IN (list)" is a bitmap OR
    # over two indexes, while an OR with a subquery would scan every ticket. The exact identities
    # are few by construction (one contact per (kind, value): the unique index answers), the names
    # at most FEW_MATCHES. No ticket ids are fetched for them: the page's own query applies the
    # condition, so its ORDER BY ... LIMIT gives exactly the unlimited result's page, however many
    # tickets a common name holds (a capped, unordered id list once gave the wrong tickets).
    contact_ids = set(exact_contacts.values_list("contact_id", flat=True))
    if by_name is not None:
        contact_ids.update(by_name)
    # Only what can match joins the OR: "x OR EXISTS (...)" is planned as a hashed subplan that reads
    # every matching message first (400 ms for a common word at 1M tickets), a lone EXISTS as a
    # per-ticket check that the newest-first walk stops after a page of.
    found = Q(reference=text.upper()) if REFERENCE_PATTERN.fullmatch(text.upper()) else Q()
    if contact_ids:
        found |= Q(contact_id__in=sorted(contact_ids))
    if by_message:
        found |= Q(id__in=sorted(set(by_message)))
    # Each Exists in a Q of its own: it combines into the same OR (Q(x) | Q(y) flattens to x OR y).
    if by_message is None:
        found |= Q(Exists(message_hits.filter(ticket_id=OuterRef("pk"))))
    if by_name is None:
        # A common name is checked on the ticket's own contact row (the join the page makes anyway),
        # so walking the inbox newest-first stops after a page of matches. An EXISTS here was
        # planned as a hashed subplan that first read every matching contact (200 ms at 1M).
        found |= Q(SearchVectorExact(SearchVector("contact__name", config="simple"), words))
    return found if found else Q(pk__in=[])  # nothing can match: no ticket, not every ticket
