"""The knowledge base (syarat): seeding, saving with revisions, rendering, canned answers.

Services and selectors over :class:`~tickets.models.KnowledgeEntry`. An entry is rendered two ways:
a WhatsApp-friendly reply (short lines, a numbered list, WhatsApp's own ``*bold*``, no HTML) that also
suits Messenger and the website, and an e-mail version with a subject and the legal basis. Every
entry keeps a :class:`~tickets.models.CannedAnswer` in step, so the inbox's canned-answer picker
offers it without knowing about the knowledge base.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from tickets.knowledge.seed_data import ENTRIES, FEE, GENERAL_NOTES, SERVICE_TIME, TOPIC_PHRASES
from tickets.models import (
    CannedAnswer,
    ClassifierPhrase,
    Department,
    KnowledgeEntry,
    KnowledgeRevision,
    Topic,
)
from tickets.refdata import loader
from tickets.reference_data import reference_data_seed

# Fields a revision records (the whole entry as the citizen and the operators see it).
REVISION_FIELDS = (
    "slug",
    "title",
    "summary",
    "topic",
    "department",
    "checklist",
    "forms",
    "legal_basis",
    "fee",
    "service_time",
    "notes",
    "unconfirmed",
    "unconfirmed_note",
    "is_primary",
    "is_published",
    "sort_order",
)
UNCONFIRMED_LABEL = "perlu dicek kantor"


def lines(text: str) -> list[str]:
    """The non-empty lines of a multi-line field (checklists, forms, notes are one item per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- revisions ----------------------------------------------------------------------------------


def entry_snapshot(entry: KnowledgeEntry) -> dict:
    snapshot = {}
    for name in REVISION_FIELDS:
        value = getattr(entry, name)
        if name in ("topic", "department"):
            value = value.code if value is not None else None
        snapshot[name] = value
    return snapshot


@transaction.atomic
def knowledge_revision_record(
    *, entry: KnowledgeEntry, author=None, comment: str = ""
) -> KnowledgeRevision | None:
    """Store the entry as it is now, if it differs from its latest revision (who, when, what)."""
    snapshot = entry_snapshot(entry)
    latest = entry.revisions.order_by("-number").first()
    previous = latest.snapshot if latest else {}
    changed = [name for name in REVISION_FIELDS if previous.get(name) != snapshot[name]]
    if latest is not None and not changed:
        return None
    number = (entry.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return KnowledgeRevision.objects.create(
        entry=entry,
        number=number,
        author=author if getattr(author, "pk", None) else None,
        changed_fields=changed,
        snapshot=snapshot,
        comment=comment[:200],
    )


@transaction.atomic
def knowledge_entry_save(*, entry: KnowledgeEntry, author=None, comment: str = "") -> KnowledgeEntry:
    """Save an entry (admin or code), record a revision and refresh its canned answer."""
    entry.updated_by = author if getattr(author, "pk", None) else None
    entry.save()
    knowledge_revision_record(entry=entry, author=author, comment=comment)
    canned_answer_sync(entry=entry)
    return entry


# --- seeding ------------------------------------------------------------------------------------


@transaction.atomic
def knowledge_seed() -> dict[str, int]:
    """Create the entries and classifier phrases of domain.md that are missing (idempotent).

    Rows that exist are left alone: what an admin edited is never overwritten by a re-seed.
    """
    reference_data_seed()
    topics = {topic.code: topic for topic in Topic.objects.all()}
    departments = {department.code: department for department in Department.objects.all()}
    created = {"entries": 0, "phrases": 0, "canned_answers": 0}
    for order, spec in enumerate(ENTRIES, start=1):
        entry = KnowledgeEntry.objects.filter(slug=spec["slug"]).first()
        if entry is None:
            entry = KnowledgeEntry(
                slug=spec["slug"],
                title=spec["title"],
                summary=spec["summary"],
                topic=topics.get(spec["topic"]),
                department=departments.get(spec["department"]),
                checklist="\n".join(spec["checklist"]),
                forms="\n".join(spec["forms"]),
                legal_basis="\n".join(spec["legal_basis"]),
                fee=FEE,
                service_time=spec.get("service_time", SERVICE_TIME),
                notes="\n".join([*spec["notes"], *GENERAL_NOTES]),
                unconfirmed=bool(spec.get("unconfirmed")),
                unconfirmed_note=spec.get("unconfirmed", ""),
                is_primary=spec.get("primary", False),
                sort_order=order * 10,
            )
            knowledge_entry_save(entry=entry, comment="Diisi dari domain.md §2")
            created["entries"] += 1
        elif entry.canned_answer_id is None:
            canned_answer_sync(entry=entry)
        for phrase, weight in spec["phrases"]:
            created["phrases"] += _phrase_seed(topics.get(spec["topic"]), phrase, weight, entry)
    for code, phrases in TOPIC_PHRASES.items():
        for phrase, weight in phrases:
            created["phrases"] += _phrase_seed(topics.get(code), phrase, weight, None)
    created["canned_answers"] = CannedAnswer.objects.filter(knowledge__isnull=False).count()
    return created


def _phrase_seed(topic: Topic | None, phrase: str, weight: float, entry: KnowledgeEntry | None) -> int:
    if topic is None:  # the office deleted the topic: its clues have nowhere to point
        return 0
    _, was_created = ClassifierPhrase.objects.get_or_create(
        topic=topic, phrase=phrase, defaults={"weight": weight, "entry": entry}
    )
    return int(was_created)


# --- selectors ----------------------------------------------------------------------------------


def knowledge_entries(*, published_only: bool = True) -> QuerySet[KnowledgeEntry]:
    qs = KnowledgeEntry.objects.select_related("topic", "department")
    return qs.filter(is_published=True) if published_only else qs


@loader("knowledge")
def published_entries() -> list[dict]:
    """Every published entry as the inbox's requirements panel shows it: its slug, title, whether
    the office still has to confirm it, and its text for e-mail and for chat channels (cached:
    ``tickets.refdata``)."""
    return [
        {
            "pk": entry.pk,
            "slug": entry.slug,
            "title": entry.title,
            "unconfirmed": entry.unconfirmed,
            "email": entry_render_for_channel(entry, "email"),
            "chat": entry_render_for_channel(entry, "whatsapp"),
        }
        for entry in KnowledgeEntry.objects.filter(is_published=True).order_by("sort_order", "title")
    ]


def knowledge_entry_get(*, slug: str, published_only: bool = True) -> KnowledgeEntry | None:
    return knowledge_entries(published_only=published_only).filter(slug=slug).first()


def knowledge_entries_by_topic() -> list[tuple[Topic, list[KnowledgeEntry]]]:
    """Published entries grouped under their topic, in the topics' order (one query each)."""
    topics = (
        Topic.objects.filter(is_active=True, knowledge__is_published=True)
        .distinct()
        .prefetch_related(Prefetch("knowledge", queryset=knowledge_entries(), to_attr="published_entries"))
    )
    return [(topic, topic.published_entries) for topic in topics]


def knowledge_entry_for(*, topic: Topic | None, slug: str | None = None) -> KnowledgeEntry | None:
    """The entry to send for a detected topic: the named one if given, else the topic's primary."""
    if slug:
        entry = knowledge_entry_get(slug=slug)
        if entry is not None:
            return entry
    if topic is None:
        return None
    return knowledge_entries().filter(topic=topic, is_primary=True).order_by("sort_order").first()


# --- rendering ----------------------------------------------------------------------------------


def entry_public_url(entry: KnowledgeEntry) -> str:
    return settings.PUBLIC_BASE_URL + entry.get_absolute_url()


def knowledge_index_url() -> str:
    try:
        path = reverse("knowledge:index")
    except NoReverseMatch:  # the root URLconf does not include tickets.knowledge.urls (yet)
        path = "/persyaratan/"
    return settings.PUBLIC_BASE_URL + path


def entry_render_whatsapp(entry: KnowledgeEntry, *, with_link: bool = True, with_notes: bool = True) -> str:
    """A reply for chat channels: short lines, a numbered checklist, no HTML."""
    out = [f"*Syarat {entry.title}*"]
    if entry.unconfirmed:
        out.append(f"(Info ini {UNCONFIRMED_LABEL}; mohon konfirmasi ke petugas sebelum datang.)")
    out += [f"{n}. {item}" for n, item in enumerate(lines(entry.checklist), start=1)]
    forms = lines(entry.forms)
    if forms:
        out.append("")
        out.append("Formulir: " + ", ".join(form.split(" ", 1)[0] for form in forms))
    out.append(f"Biaya: {entry.fee.split(' (', 1)[0]}")
    service = lines(entry.service_time)
    if service:
        out.append(f"Waktu layanan: {service[0]}")
    notes = lines(entry.notes) if with_notes else []
    if notes:
        out.append("")
        out += [f"- {note}" for note in notes]
    if with_link:
        out.append("")
        out.append(f"Info lengkap: {entry_public_url(entry)}")
    return "\n".join(out)


def entry_render_email(entry: KnowledgeEntry) -> tuple[str, str]:
    """``(subject, plain-text body)`` for e-mail: the whole entry, with forms and legal basis."""
    subject = f"Persyaratan {entry.title}"
    out = [f"Persyaratan {entry.title}", ""]
    if entry.summary:
        out += [entry.summary, ""]
    if entry.unconfirmed:
        out += [
            f"Catatan: informasi ini {UNCONFIRMED_LABEL}. Mohon konfirmasi kepada petugas sebelum datang.",
            "",
        ]
    out.append("Yang perlu disiapkan:")
    out += [f"  {n}. {item}" for n, item in enumerate(lines(entry.checklist), start=1)]
    for label, text in (("Formulir", entry.forms), ("Dasar hukum", entry.legal_basis)):
        items = lines(text)
        if items:
            out += ["", f"{label}:"] + [f"  - {item}" for item in items]
    out += ["", f"Biaya: {entry.fee}"]
    service = lines(entry.service_time)
    if service:
        out += ["", "Waktu layanan:"] + [f"  {line}" for line in service]
    notes = lines(entry.notes)
    if notes:
        out += ["", "Catatan:"] + [f"  - {note}" for note in notes]
    out += ["", f"Informasi lengkap: {entry_public_url(entry)}"]
    return subject, "\n".join(out)


def entry_render_for_channel(entry: KnowledgeEntry, channel: str) -> str:
    """The body to send on a channel: e-mail gets the full version, chat channels the short one."""
    if channel == "email":
        return entry_render_email(entry)[1]
    return entry_render_whatsapp(entry)


# --- canned answers -----------------------------------------------------------------------------


def canned_shortcut(entry: KnowledgeEntry) -> str:
    return f"syarat-{entry.slug}"[:40]


@transaction.atomic
def canned_answer_sync(*, entry: KnowledgeEntry) -> CannedAnswer:
    """Create or refresh the entry's canned answer (the WhatsApp rendering)."""
    canned = entry.canned_answer
    if canned is None:
        canned = CannedAnswer.objects.filter(shortcut=canned_shortcut(entry)).first() or CannedAnswer()
    canned.title = f"Syarat: {entry.title}"[:200]
    canned.body = entry_render_whatsapp(entry)
    canned.topic = entry.topic
    canned.shortcut = canned_shortcut(entry)
    canned.is_active = entry.is_published
    canned.save()
    if entry.canned_answer_id != canned.pk:
        KnowledgeEntry.objects.filter(pk=entry.pk).update(canned_answer=canned)
        entry.canned_answer = canned
    return canned


def canned_answers_sync_all() -> int:
    """Refresh every entry's canned answer (after the public base URL changed, for instance)."""
    count = 0
    for entry in knowledge_entries(published_only=False).select_related("canned_answer"):
        canned_answer_sync(entry=entry)
        count += 1
    return count
