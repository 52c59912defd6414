"""Fetching the files citizens sent (Twilio MediaUrl, Meta media ids, Messenger attachment URLs)
after their message is stored, and keeping them as Attachments through tickets' content checks.

A download that fails is recorded on the attachment (error, attempts) and retried by the task;
after the last attempt the attachment is ``failed`` and the operator sees why. The message itself
never waits for its files.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tickets.attachments import attachment_store_content
from tickets.models import Attachment

from .errors import MediaDownloadError
from .models import ChannelAccount

logger = logging.getLogger(__name__)

_CHUNK = 64 * 1024


def _timeout() -> float:
    return float(settings.CURHAT_PROVIDER_TIMEOUT_SECONDS)


def _get(url: str, **kwargs) -> requests.Response:
    try:
        response = requests.get(url, timeout=_timeout(), stream=True, **kwargs)
    except requests.RequestException as exc:
        raise MediaDownloadError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code >= 400:
        response.close()
        # 429 and 5xx are the provider's passing trouble; other 4xx will not get better.
        transient = response.status_code == 429 or response.status_code >= 500
        raise MediaDownloadError(f"HTTP {response.status_code} dari {url}", transient=transient)
    return response


def _read_capped(response: requests.Response) -> bytes:
    """At most the attachment limit plus one byte: enough for the content check to refuse an
    oversized file without ever holding more than that in memory."""
    limit = settings.CURHAT_MAX_ATTACHMENT_BYTES + 1
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(_CHUNK):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except requests.RequestException as exc:
        raise MediaDownloadError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        response.close()
    return b"".join(chunks)[:limit]


def _twilio(attachment: Attachment, account: ChannelAccount | None) -> bytes:
    # MediaUrl needs HTTP basic auth (account SID, auth token) when media auth is on; Twilio then
    # redirects to a signed storage URL, and requests drops the credentials on the other host.
    auth = None
    if account is not None:
        sid = (account.config or {}).get("account_sid") or account.secret("account_sid")
        token = account.secret("auth_token")
        if sid and token:
            auth = (sid, token)
    return _read_capped(_get(attachment.source_url, auth=auth))


def _meta(attachment: Attachment, account: ChannelAccount | None) -> bytes:
    # Two steps: GET /{version}/{media-id} gives a short-lived url, fetched with the same token.
    # https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#download-media
    token = account.secret("access_token") if account is not None else ""
    if not token:
        raise MediaDownloadError("akun belum punya access_token", transient=False)
    headers = {"Authorization": f"Bearer {token}"}
    lookup = _get(
        f"{settings.CURHAT_GRAPH_API_BASE_URL}/{settings.CURHAT_GRAPH_API_VERSION}/{attachment.provider_media_id}",
        headers=headers,
    )
    try:
        url = lookup.json().get("url", "")
    except ValueError as exc:
        raise MediaDownloadError("jawaban media Graph API bukan JSON") from exc
    finally:
        lookup.close()
    if not url:
        raise MediaDownloadError("jawaban media Graph API tanpa url", transient=False)
    return _read_capped(_get(url, headers=headers))


def _plain(attachment: Attachment, account: ChannelAccount | None) -> bytes:
    # Messenger attachment URLs are pre-signed CDN links.
    return _read_capped(_get(attachment.source_url))


# Message provider → how its media is fetched.
FETCHERS: dict[str, Callable[[Attachment, ChannelAccount | None], bytes]] = {
    "twilio_whatsapp": _twilio,
    "twilio_voice": _twilio,
    "meta_whatsapp": _meta,
    "messenger": _plain,
}


def attachment_download(*, attachment_id: int, final_attempt: bool) -> str:
    """Try to fetch one pending attachment; returns its download status afterwards.

    A transient failure leaves it ``pending`` (to be retried) unless this is the final attempt;
    a permanent one (or the final attempt) marks it ``failed`` with the reason.
    """
    attachment = (
        Attachment.objects.select_related("message", "message__account").filter(pk=attachment_id).first()
    )
    if attachment is None or attachment.download_status != Attachment.DownloadStatus.PENDING:
        return attachment.download_status if attachment else "missing"
    fetch = FETCHERS.get(attachment.message.provider)
    attempts = attachment.download_attempts + 1
    try:
        if fetch is None:
            raise MediaDownloadError(
                f"tidak ada cara mengunduh media {attachment.message.provider}", transient=False
            )
        content = fetch(attachment, attachment.message.account)
    except MediaDownloadError as exc:
        give_up = final_attempt or not exc.transient
        Attachment.objects.filter(pk=attachment.pk, download_status=Attachment.DownloadStatus.PENDING).update(
            download_attempts=attempts,
            download_error=exc.reason[:2000],
            download_status=Attachment.DownloadStatus.FAILED
            if give_up
            else Attachment.DownloadStatus.PENDING,
        )
        logger.warning("attachment %s: download attempt %s failed: %s", attachment.pk, attempts, exc.reason)
        return Attachment.DownloadStatus.FAILED if give_up else Attachment.DownloadStatus.PENDING
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if locked.download_status != Attachment.DownloadStatus.PENDING:
            return locked.download_status  # a concurrent retry stored it first
        locked.download_attempts = attempts
        attachment_store_content(locked, content)
    return locked.download_status


def message_media_download(*, message_id: int, final_attempt: bool = False) -> list[int]:
    """Fetch every pending attachment of a message; returns the ids still pending (to retry)."""
    pending = list(
        Attachment.objects.filter(
            message_id=message_id, download_status=Attachment.DownloadStatus.PENDING
        ).values_list("pk", flat=True)
    )
    still_pending = []
    for attachment_id in pending:
        status = attachment_download(attachment_id=attachment_id, final_attempt=final_attempt)
        if status == Attachment.DownloadStatus.PENDING:
            still_pending.append(attachment_id)
    return still_pending


def messages_with_stalled_media(*, older_than: dt.timedelta, limit: int = 500) -> list[int]:
    """Messages whose files are still pending long after they arrived: their task was lost (broker
    down when it was enqueued, worker killed). The sweeper enqueues them again."""
    cutoff = timezone.now() - older_than
    return list(
        Attachment.objects.filter(download_status=Attachment.DownloadStatus.PENDING, created_at__lt=cutoff)
        .values_list("message_id", flat=True)
        .distinct()
        .order_by("message_id")[:limit]
    )
