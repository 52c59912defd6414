"""Celery tasks of the e-mail channel: thin wrappers that take ids (DESIGN §8.7).

Registered through ``CELERY_IMPORTS`` (settings) because autodiscovery only looks at ``<app>/tasks.py``.
"""

from __future__ import annotations

from celery import shared_task

from channels.models import ChannelAccount, Provider


@shared_task(ignore_result=True)
def imap_poll_all() -> int:
    """Beat entry: one poll task per active IMAP mailbox."""
    ids = list(
        ChannelAccount.objects.filter(provider=Provider.EMAIL_IMAP, is_active=True).values_list(
            "pk", flat=True
        )
    )
    for account_id in ids:
        imap_poll_account.delay(account_id)
    return len(ids)


@shared_task(ignore_result=True)
def imap_poll_account(account_id: int) -> dict:
    from .imap import mailbox_poll

    account = ChannelAccount.objects.filter(pk=account_id, is_active=True).first()
    if account is None:
        return {"skipped": "account inactive or gone"}
    result = mailbox_poll(account=account)
    return {"fetched": result.fetched, "outcomes": result.outcomes, "error": result.error}
