"""Re-run stored provider events that failed (``error``) or were never finished (``pending``)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from channels.models import InboundEvent
from channels.processing import event_process
from channels.transient import is_transient


class Command(BaseCommand):
    help = (
        "Proses ulang kejadian masuk berstatus error/pending (idempoten: yang sudah tercatat tidak berubah)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "ids", nargs="*", type=int, help="id kejadian tertentu (bawaan: semua yang cocok)"
        )
        parser.add_argument(
            "--outcome",
            action="append",
            choices=[InboundEvent.Outcome.ERROR, InboundEvent.Outcome.PENDING, InboundEvent.Outcome.REJECTED],
            help="status yang diproses ulang (bawaan: error dan pending)",
        )
        parser.add_argument("--provider", help="hanya penyedia ini")
        parser.add_argument(
            "--pending-older-than",
            type=int,
            default=300,
            help="detik; kejadian pending yang lebih baru mungkin masih diproses webhook-nya (bawaan 300)",
        )
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, ids, outcome, provider, pending_older_than, limit, **options):
        events = InboundEvent.objects.select_related("account").order_by("received_at", "id")
        if ids:
            events = events.filter(pk__in=ids)
        else:
            outcomes = outcome or [InboundEvent.Outcome.ERROR, InboundEvent.Outcome.PENDING]
            events = events.filter(outcome__in=outcomes)
            cutoff = timezone.now() - dt.timedelta(seconds=pending_older_than)
            events = events.exclude(outcome=InboundEvent.Outcome.PENDING, received_at__gt=cutoff)
        if provider:
            events = events.filter(provider=provider)
        counts: dict[str, int] = {}
        for event in events[:limit]:
            try:
                event_process(event)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                # Still not applicable (a lock, a lost connection, a call not recorded yet): it stays
                # in the queue, and the rest of the list is replayed.
                self.stdout.write(
                    f"#{event.pk} {event.provider}: masih menunggu ({type(exc).__name__}: {exc})"
                )
                counts["menunggu"] = counts.get("menunggu", 0) + 1
                continue
            counts[event.outcome] = counts.get(event.outcome, 0) + 1
            line = f"#{event.pk} {event.provider}: {event.outcome}"
            if event.reason:
                line += f" ({event.reason.splitlines()[0][:120]})"
            self.stdout.write(line)
        summary = ", ".join(f"{name}={count}" for name, count in sorted(counts.items())) or "tidak ada"
        self.stdout.write(self.style.SUCCESS(f"selesai: {summary}"))
