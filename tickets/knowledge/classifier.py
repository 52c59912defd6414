"""Topic detection: a transparent keyword/phrase model that admins tune in the admin.

How a message is scored (every step is visible in ``Classification.matched``):

1. :func:`normalize` turns informal Indonesian into a canonical word list: lower case, punctuation
   and emoji removed, chat spellings mapped to one form (``akte`` → ``akta``, ``e-ktp``/``ktp el`` →
   ``ktpel``, ``gak`` → ``tidak``, ``kartu keluarga`` → ``kk`` ...) and the possessive ``-nya``
   dropped (``ktpnya`` → ``ktpel``).
2. Every active :class:`~tickets.models.ClassifierPhrase` is matched once against that list:
   ``kk hilang`` (words in a row), ``ktpel + hilang`` (all words anywhere), ``*hilang*`` (a word
   containing "hilang"). A topic's score is the sum of the weights of its phrases that matched.
3. Confidence = best score / (sum of the positive scores + ``CURHAT_CLASSIFIER_PRIOR``): one strong
   clue with no rival gives a high value, two topics competing or a single weak clue give a low one.
   The ticket's topic is set only at ``CURHAT_TOPIC_CONFIDENCE_THRESHOLD`` or more; below that the
   suggestion is only shown to the operator.
4. Within the winning topic, the entry (which checklist to send) is the one whose entry-linked phrases
   scored most; without any, the topic's primary entry.

The phrase table is cached per process and re-read when any phrase changes (``updated_at``/count).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max

# Single-word chat spellings are mapped first, then multi-word ones (written in the mapped form:
# "e-ktp" → "e ktp" → "e ktpel" → "ktpel"), on word boundaries.
PHRASE_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("kartu keluarga", "kk"),
    ("kartu kel", "kk"),
    ("kartu tanda penduduk elektronik", "ktpel"),
    ("kartu tanda penduduk", "ktpel"),
    ("e ktpel", "ktpel"),
    ("ktpel el", "ktpel"),
    ("ktpel e", "ktpel"),
    ("ktpel elektronik", "ktpel"),
    ("kartu identitas anak", "kia"),
    ("kartu anak", "kia"),
    ("ktpel anak", "kia"),
    ("identitas kependudukan digital", "ikd"),
    ("ktpel digital", "ikd"),
    ("kk digital", "ikd"),
    ("surat keterangan pindah", "skpwni"),
    ("surat ket pindah", "skpwni"),
    ("surat pindah", "skpwni"),
    ("sk pindah", "skpwni"),
    ("akta lahir", "akta kelahiran"),
    ("akta mati", "akta kematian"),
    ("akta meninggal", "akta kematian"),
    ("tidak terdaftar", "tidakterdaftar"),
    ("tidak ditemukan", "tidakterdaftar"),
    ("tidak terdeteksi", "tidakterdaftar"),
    ("tidak valid", "tidakterdaftar"),
    ("tidak terbaca", "tidakterdaftar"),
    ("tidak dikenali", "tidakterdaftar"),
    ("belum terdaftar", "tidakterdaftar"),
    ("tidak muncul", "tidakterdaftar"),
    ("tidak sesuai", "tidaksesuai"),
    ("tidak sama", "tidaksesuai"),
    ("berbeda", "tidaksesuai"),
    ("beda", "tidaksesuai"),
    ("salah ketik", "salah"),
    ("keliru", "salah"),
)
WORD_SPELLINGS: dict[str, str] = {
    # documents
    "akte": "akta",
    "akt": "akta",
    "aktе": "akta",
    "ktp": "ktpel",
    "ektp": "ktpel",
    "ktpel": "ktpel",
    "ktpe": "ktpel",
    "e-ktp": "ktpel",
    "kaka": "kk",
    "kk": "kk",
    "kknya": "kk",
    "skpwni": "skpwni",
    "skpwi": "skpwni",
    "spwni": "skpwni",
    "kia": "kia",
    "ikd": "ikd",
    "bpjs": "bpjs",
    "kis": "bpjs",
    "nik": "nik",
    "no": "nomor",
    "ttd": "tanda tangan",
    "nmr": "nomor",
    # spelling variants
    "kelahirn": "kelahiran",
    "kelahrian": "kelahiran",
    "klahiran": "kelahiran",
    "lahiran": "kelahiran",
    "kematin": "kematian",
    "kmatian": "kematian",
    "meninggl": "meninggal",
    "mninggal": "meninggal",
    "wafat": "meninggal",
    "almarhum": "meninggal",
    "almarhumah": "meninggal",
    "alm": "meninggal",
    "almh": "meninggal",
    "mati": "meninggal",
    "ilang": "hilang",
    "hlg": "hilang",
    "ilg": "hilang",
    "hilng": "hilang",
    "rsk": "rusak",
    "patah": "rusak",
    "sobek": "rusak",
    "robek": "rusak",
    "pndah": "pindah",
    "pinda": "pindah",
    "pndh": "pindah",
    "nikah": "menikah",
    "nikh": "menikah",
    "kawin": "menikah",
    "merid": "menikah",
    "married": "menikah",
    "rekam": "perekaman",
    "merekam": "perekaman",
    "rekaman": "perekaman",
    "perekamn": "perekaman",
    "cerai": "cerai",
    "bercerai": "cerai",
    "perceraian": "cerai",
    # chat shorthand
    "bikin": "buat",
    "bkin": "buat",
    "bikn": "buat",
    "bkn": "buat",
    "ngurus": "urus",
    "mengurus": "urus",
    "urs": "urus",
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "gmna": "bagaimana",
    "bgmn": "bagaimana",
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "engga": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "ndak": "tidak",
    "blm": "belum",
    "blum": "belum",
    "sdh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "syarat2": "syarat",
    "persyaratan": "syarat",
    "persyaratannya": "syarat",
    "syaratnya": "syarat",
    "srt": "surat",
    "yg": "yang",
    "utk": "untuk",
    "dgn": "dengan",
    "sy": "saya",
    "sya": "saya",
    "aku": "saya",
    "ortu": "orang tua",
    "anakku": "anak",
    "bayi": "bayi",
    "baby": "bayi",
    "dr": "dari",
    "dri": "dari",
    "kmrn": "kemarin",
    "krn": "karena",
    "karna": "karena",
    "tp": "tapi",
    "tpi": "tapi",
    "hp": "hp",
    "apk": "aplikasi",
    "app": "aplikasi",
    "aplikasinya": "aplikasi",
    "aktivasi": "aktivasi",
    "aktifasi": "aktivasi",
    "aktifkan": "aktivasi",
    "mengaktifkan": "aktivasi",
    "pungutan": "pungli",
    "dipungut": "pungli",
    "bayar": "bayar",
    "byr": "bayar",
}
# The possessive/definite suffix is dropped unless what remains is too short to be a word.
_SUFFIXES = ("nya", "ny")
_KEEP_AS_IS = frozenset(
    {
        "hanya",
        "punya",
        "nya",
        "bagaimananya",
        "hny",
        "any",
        "ny",
        "sanya",
        "lainnya",
        "tanya",
        "bertanya",
        "ditanya",
        "menanya",
    }
)
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> list[str]:
    """Canonical words of a citizen's message (see the module doc)."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    # "e-ktp", "ktp-el", "kk." → spaces; digits stay ("2x3", NIK digits are dropped below).
    text = _NON_WORD.sub(" ", text)
    words = []
    for word in text.split():
        if word.isdigit() and len(word) > 4:  # a NIK or phone number says nothing about the topic
            continue
        if word not in _KEEP_AS_IS and word not in WORD_SPELLINGS:
            for suffix in _SUFFIXES:
                if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                    word = word[: -len(suffix)]
                    break
        # "syarat2" / "surat2": reduplication written with a digit
        if len(word) > 2 and word.endswith("2") and not word[:-1].isdigit():
            word = word[:-1]
        words.append(WORD_SPELLINGS.get(word, word))
    joined = " " + " ".join(words) + " "
    for source, target in PHRASE_SPELLINGS:
        joined = joined.replace(f" {source} ", f" {target} ")
        # replace() does not see overlapping matches ("k k k"): run once more
        joined = joined.replace(f" {source} ", f" {target} ")
    return [WORD_SPELLINGS.get(w, w) for w in joined.split()]


def normalize_phrase(phrase: str) -> str:
    """A phrase as admins type it, in the same canonical form as messages (keeps ``+`` and ``*``)."""
    parts = []
    for part in phrase.split("+"):
        words = []
        for raw in part.split():
            if "*" in raw:
                words.append(re.sub(r"[^a-z0-9*]", "", raw.lower()))
            else:
                words.extend(normalize(raw))
        if words:
            parts.append(" ".join(words))
    return " + ".join(parts)


def _word_matches(pattern: str, word: str) -> bool:
    if "*" not in pattern:
        return pattern == word
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), word) is not None


def _sequence_in(sequence: list[str], words: list[str]) -> bool:
    n = len(sequence)
    return any(
        all(_word_matches(p, w) for p, w in zip(sequence, words[i : i + n], strict=True))
        for i in range(len(words) - n + 1)
    )


def phrase_matches(phrase: str, words: list[str]) -> bool:
    """Whether a (normalized) phrase occurs in a message's normalized words."""
    return all(_sequence_in(part.split(), words) for part in phrase.split("+") if part.strip())


@dataclass(frozen=True)
class Rule:
    phrase: str
    topic: str
    weight: float
    entry: str | None = None


@dataclass(frozen=True)
class Classification:
    """The classifier's answer: ``topic`` is None when nothing matched."""

    topic: str | None
    confidence: float
    entry: str | None = None
    scores: dict[str, float] = field(default_factory=dict)
    matched: list[dict] = field(default_factory=list)

    def is_confident(self, threshold: float | None = None) -> bool:
        if threshold is None:
            threshold = settings.CURHAT_TOPIC_CONFIDENCE_THRESHOLD
        return self.topic is not None and self.confidence >= threshold


def classify_with(
    rules: list[Rule], text: str, *, prior: float | None = None, primary: dict | None = None
) -> Classification:
    """Score ``text`` against ``rules`` (pure: used by the tests on the labelled set too)."""
    if prior is None:
        prior = settings.CURHAT_CLASSIFIER_PRIOR
    words = normalize(text)
    scores: dict[str, float] = defaultdict(float)
    entry_scores: dict[tuple[str, str], float] = defaultdict(float)
    matched = []
    for rule in rules:
        if phrase_matches(rule.phrase, words):
            scores[rule.topic] += rule.weight
            if rule.entry:
                entry_scores[(rule.topic, rule.entry)] += rule.weight
            matched.append(
                {"phrase": rule.phrase, "topic": rule.topic, "weight": rule.weight, "entry": rule.entry}
            )
    positive = {topic: score for topic, score in scores.items() if score > 0}
    if not positive:
        return Classification(None, 0.0, scores=dict(scores), matched=matched)
    topic = max(positive, key=lambda t: (positive[t], t))
    confidence = positive[topic] / (sum(positive.values()) + prior)
    candidates = {entry: score for (t, entry), score in entry_scores.items() if t == topic and score > 0}
    entry = max(candidates, key=lambda e: (candidates[e], e)) if candidates else (primary or {}).get(topic)
    return Classification(topic, round(confidence, 4), entry, dict(scores), matched)


# --- the phrase table from the database, cached per process -----------------------------------------

_cache: dict[str, object] = {"key": None, "rules": [], "primary": {}}


def _rules_key() -> tuple:
    from tickets.models import ClassifierPhrase, KnowledgeEntry

    phrases = ClassifierPhrase.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    entries = KnowledgeEntry.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (phrases["n"], phrases["last"], entries["n"], entries["last"])


def rules_load() -> tuple[list[Rule], dict[str, str]]:
    """Active rules and each topic's primary entry slug, re-read when the tables changed."""
    from tickets.models import ClassifierPhrase, KnowledgeEntry

    key = _rules_key()
    if _cache["key"] != key:
        rules = [
            Rule(normalize_phrase(phrase), topic, weight, entry)
            for phrase, topic, weight, entry in ClassifierPhrase.objects.filter(
                is_active=True, topic__is_active=True
            ).values_list("phrase", "topic__code", "weight", "entry__slug")
        ]
        primary = dict(
            KnowledgeEntry.objects.filter(is_primary=True, topic__isnull=False)
            .order_by("-sort_order")
            .values_list("topic__code", "slug")
        )
        _cache.update(key=key, rules=rules, primary=primary)
    return _cache["rules"], _cache["primary"]  # type: ignore[return-value]


def message_classify(*, text: str) -> Classification:
    """Classify a citizen's message with the phrase table in the database."""
    rules, primary = rules_load()
    return classify_with(rules, text, primary=primary)
