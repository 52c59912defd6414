"""Meta's data-deletion request callback (required of apps that hold Facebook users' data).

Meta POSTs ``signed_request`` (``<signature>.<payload>``, both base64url; the signature is the
HMAC-SHA256 of the payload text with the app secret) when a person removes the app and asks for their
data to be deleted. It is verified with facebook-sdk's ``parse_signed_request`` against the app
secret of each active Messenger account (rotated secrets included), but the signature first: the
payload of an unsigned request is never decoded (facebook-sdk parses its JSON before it checks the
signature, and ``[[[[…`` 6000 deep raised a RecursionError, a 500).

The id Meta sends is the *app-scoped* user id (ASID) of Facebook Login, not the *page-scoped* id
(PSID) a Messenger message carries: for the same person they differ, and Meta gives no way to turn
one into the other without the Business ID-matching API. So the id is matched against the Messenger
identities (``facebook_psid``: a PSID, in case Meta sends one) and against app-scoped ids an admin
recorded on a contact (``facebook_asid``); a request that matches nothing erases nothing and its
status page says "no data found for this id" (README: what the office must configure). What we hold for them is erased by the data-subject tool's erasure
(``tickets.privacy.subjects.subject_erase``), in a task; the answer is the JSON Meta expects, a status
URL and a confirmation code, and the status page shows the request's progress.

A signed request is accepted once and only while fresh: ``issued_at`` must be within
``SIGNED_REQUEST_MAX_AGE`` (and not ahead of our clock by more than ``CLOCK_SKEW``), an ``expires``
(when given) not past. The same signed request again gets the same confirmation code and starts no
second erasure (the sha256 of its decoded signature and its payload is kept, unique: another spelling
of the same signature, padded or with ``+/`` for ``-_``, is the same request).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import logging
import secrets

import facebook
from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tickets.models import Contact, ContactIdentity
from tickets.privacy.subjects import subject_erase

from .models import ChannelAccount, DataDeletionRequest

logger = logging.getLogger(__name__)

META_PROVIDERS = ("messenger",)
MAX_SIGNED_REQUEST = 8192
SIGNED_REQUEST_MAX_AGE = dt.timedelta(hours=1)
CLOCK_SKEW = dt.timedelta(minutes=5)


def _instant(value) -> dt.datetime | None:
    """A Unix time from the payload as an aware datetime, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def signed_request_staleness(data: dict, *, now: dt.datetime | None = None) -> str | None:
    """Why a verified payload may not be acted on now (its time), or None when it is fresh."""
    now = now or timezone.now()
    issued = _instant(data.get("issued_at"))
    if issued is None:
        return "issued_at tidak ada atau tidak sah"
    if issued > now + CLOCK_SKEW:
        return "issued_at di masa depan"
    if issued < now - SIGNED_REQUEST_MAX_AGE:
        return "signed_request kedaluwarsa (issued_at lebih dari 1 jam yang lalu)"
    expires = data.get("expires")
    if expires not in (None, 0):  # 0: no expiry
        until = _instant(expires)
        if until is None:
            return "expires tidak sah"
        if until < now - CLOCK_SKEW:
            return "signed_request kedaluwarsa (expires sudah lewat)"
    return None


def _signed_request_parts(signed_request: str) -> tuple[bytes, bytes] | None:
    """The signature (decoded) and the payload text (as signed) of ``<signature>.<payload>``."""
    if not signed_request or len(signed_request) > MAX_SIGNED_REQUEST or "." not in signed_request:
        return None
    encoded_signature, _dot, payload = signed_request.partition(".")
    try:
        signature = base64.urlsafe_b64decode(encoded_signature.encode("ascii") + b"==")
        return signature, payload.encode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None


def signed_request_digest(signed_request: str) -> str:
    """What makes two signed requests the same one: the signature's bytes and the payload (a padded
    or ``+/`` spelling of the same signature is no new request)."""
    parts = _signed_request_parts(signed_request)
    if parts is None:
        return hashlib.sha256(signed_request.encode()).hexdigest()
    return hashlib.sha256(parts[0] + b"." + parts[1]).hexdigest()


def _verified_payload(signature: bytes, payload: bytes, secret: str) -> dict | None:
    """facebook-sdk's ``parse_signed_request``, called only once our own check has proved the signature
    (it decodes the JSON before it compares), on the request spelled canonically (a padded or ``+/``
    spelling of the same signature is the same request): its payload, or None."""
    canonical = base64.urlsafe_b64encode(signature).rstrip(b"=") + b"." + payload
    try:
        data = facebook.parse_signed_request(canonical.decode("ascii"), secret)
    except (ValueError, UnicodeError, RecursionError, AttributeError, TypeError):
        return None  # a payload Meta signed but that is no JSON object
    return data if isinstance(data, dict) else None


def meta_signed_request_parse(signed_request: str) -> tuple[dict, ChannelAccount] | None:
    """The verified payload and the account whose app secret signed it, or None. The signature is
    checked before the payload is decoded."""
    parts = _signed_request_parts(signed_request)
    if parts is None:
        return None
    signature, payload = parts
    accounts = ChannelAccount.objects.filter(is_active=True, provider__in=META_PROVIDERS).order_by("id")
    for account in accounts:
        for secret in account.secret_values("app_secret"):
            expected = hmac.new(secret.encode(), payload, hashlib.sha256).digest()
            if not hmac.compare_digest(signature, expected):
                continue
            data = _verified_payload(signature, payload, secret)
            if data is not None and str(data.get("user_id") or "").strip():
                return data, account
            return None
    return None


def user_digest(user_id: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"meta-user:{user_id}".encode(), hashlib.sha256).hexdigest()


def contacts_of_meta_user(user_id: str) -> list[Contact]:
    """The contacts a Meta user id names (merged ones included), as the data-subject tool finds them:
    by a Messenger identity (PSID) or an app-scoped id (ASID) recorded on the contact."""
    kinds = (ContactIdentity.Kind.FACEBOOK_PSID, ContactIdentity.Kind.FACEBOOK_ASID)
    ids = set(
        ContactIdentity.objects.filter(kind__in=kinds, value=user_id).values_list("contact_id", flat=True)
    )
    ids |= set(Contact.objects.filter(merged_into_id__in=ids).values_list("pk", flat=True))
    return list(Contact.objects.filter(pk__in=ids).order_by("pk"))


def data_deletion_run(*, request_id: int, user_id: str) -> DataDeletionRequest:
    """Erase what we hold for the user (the data-subject tool's erasure) and record the outcome."""
    with transaction.atomic():
        deletion = DataDeletionRequest.objects.select_for_update().get(pk=request_id)
        if deletion.status == DataDeletionRequest.Status.DONE:
            return deletion
        contacts = contacts_of_meta_user(user_id)
        erased = subject_erase(contacts=contacts, actor=None) if contacts else 0
        deletion.contacts_found = len(contacts)
        deletion.tickets_erased = erased
        deletion.status = DataDeletionRequest.Status.DONE
        deletion.completed_at = timezone.now()
        deletion.save(update_fields=["contacts_found", "tickets_erased", "status", "completed_at"])
    return deletion


@shared_task(bind=True, acks_late=True, max_retries=10)
def data_deletion_task(self, request_id: int, user_id: str) -> int:
    try:
        return data_deletion_run(request_id=request_id, user_id=user_id).tickets_erased
    except Exception as exc:
        DataDeletionRequest.objects.filter(pk=request_id).update(status=DataDeletionRequest.Status.FAILED)
        logger.exception("Meta data deletion %s failed; retrying", request_id)
        raise self.retry(exc=exc, countdown=60 * (2**self.request.retries)) from exc


def _answer(deletion: DataDeletionRequest) -> JsonResponse:
    path = reverse("channels:data_deletion_status", kwargs={"code": deletion.confirmation_code})
    return JsonResponse(
        {"url": settings.PUBLIC_BASE_URL + path, "confirmation_code": deletion.confirmation_code}
    )


@csrf_exempt
@require_POST
def data_deletion_callback(request):
    raw = request.POST.get("signed_request", "")
    parsed = meta_signed_request_parse(raw)
    if parsed is None:
        return JsonResponse({"error": "signed_request tidak sah atau tidak dapat diverifikasi"}, status=400)
    data, account = parsed
    request_digest = signed_request_digest(raw)
    seen = DataDeletionRequest.objects.filter(request_digest=request_digest).first()
    if seen is not None:  # the same request again: the same answer, no second erasure
        return _answer(seen)
    stale = signed_request_staleness(data)
    if stale is not None:
        return JsonResponse({"error": stale}, status=400)
    user_id = str(data["user_id"]).strip()
    try:
        with transaction.atomic():
            deletion = DataDeletionRequest.objects.create(
                confirmation_code=secrets.token_hex(10),
                account=account,
                user_digest=user_digest(user_id),
                request_digest=request_digest,
            )
    except IntegrityError:  # the same request, at the same moment, in another process
        return _answer(DataDeletionRequest.objects.get(request_digest=request_digest))
    transaction.on_commit(lambda: data_deletion_task.delay(deletion.pk, user_id))
    return _answer(deletion)


@never_cache
@require_GET
def data_deletion_status(request, code: str):
    deletion = DataDeletionRequest.objects.filter(confirmation_code=code).first()
    if deletion is None:
        raise Http404
    return render(request, "channels/data_deletion_status.html", {"deletion": deletion})
