"""Names for Messenger contacts from the Graph API user profile.

A Messenger message carries only the sender's page-scoped id (PSID), so a new contact would show
as "Tanpa nama". A worker asks ``GET {CURHAT_GRAPH_API_BASE_URL}/{CURHAT_GRAPH_API_VERSION}/{psid}
?fields=first_name,last_name`` with the page's access token (User Profile API:
https://developers.facebook.com/documentation/business-messaging/messenger-platform/identity/user-profile)
and fills the contact's name when it is still empty; a name already there (an operator's) is never
replaced, and a failed call leaves the name as it is.

Driven by database state (DESIGN §5.3): ``ContactIdentity.profile_checked_at`` is empty until the
profile was asked for (answered, or refused for good), so the sweeper finds every Messenger
contact that has no name and was not tried yet, whatever happened to the task that should have.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from channels.models import ChannelAccount, Provider
from channels.outbound import http_error, http_request, json_body
from channels.providers.meta_whatsapp.outbound import TRANSIENT_CODES
from tickets.ingest import storable_text
from tickets.models import Contact, ContactIdentity, Message
from tickets.privacy.logs import scrub_id
from tickets.relay.senders import SendError

logger = logging.getLogger(__name__)

PSID = ContactIdentity.Kind.FACEBOOK_PSID
FIELDS = "first_name,last_name"


class ProfileUnavailable(Exception):
    """The profile could not be read now (network, 5xx, rate limit): try again later."""


def profile_url(psid: str) -> str:
    return f"{settings.CURHAT_GRAPH_API_BASE_URL}/{settings.CURHAT_GRAPH_API_VERSION}/{psid}"


def _page_account(identity: ContactIdentity) -> ChannelAccount | None:
    """The page the citizen wrote to (a PSID is only valid with its own page's token): the account
    of their latest Messenger message, else the active Messenger account."""
    account_id = (
        Message.objects.filter(
            ticket__contact_id=identity.contact_id,
            channel="facebook",
            direction=Message.Direction.IN,
            account__isnull=False,
        )
        .order_by("-created_at", "-id")
        .values_list("account_id", flat=True)
        .first()
    )
    accounts = ChannelAccount.objects.filter(provider=Provider.MESSENGER)
    if account_id is not None:
        return accounts.filter(pk=account_id).first()
    return accounts.filter(is_active=True).order_by("pk").first()


def profile_name_read(psid: str, token: str) -> str:
    """The profile's "first last" ('' when it has neither). Raises ProfileUnavailable for a
    failure worth retrying, SendError(permanent) for a refusal (bad token, unknown PSID)."""
    try:
        response = http_request(
            "GET", profile_url(psid), params={"fields": FIELDS}, headers={"Authorization": f"Bearer {token}"}
        )
    except SendError as exc:  # the reason may quote the URL, which carries the PSID
        raise ProfileUnavailable(scrub_id(exc.reason, psid)) from exc
    body = json_body(response)
    if response.status_code >= 400:
        error = body.get("error") or {}
        failure = http_error(
            response,
            code=str(error.get("code") or ""),
            # Graph's message names the id ("Object with ID '…' does not exist"): logged, so scrubbed.
            reason=scrub_id(str(error.get("message") or ""), psid),
            transient_codes=TRANSIENT_CODES,
        )
        if not failure.permanent:
            raise ProfileUnavailable(failure.reason)
        raise failure
    parts = tuple(storable_text(str(body.get(field) or "")).strip() for field in ("first_name", "last_name"))
    return " ".join(part for part in parts if part)


def _mark(identity_id: int, *, name: str = "") -> bool:
    """Record that the profile was asked for; fill the contact's name if it is still empty.
    Returns whether the name was set."""
    with transaction.atomic():
        identity = ContactIdentity.objects.select_for_update().get(pk=identity_id)
        # The contact lock ticket_ingest takes, so a message arriving now waits for us.
        contact = Contact.objects.select_for_update().get(pk=identity.contact_id)
        identity.profile_checked_at = timezone.now()
        identity.save(update_fields=["profile_checked_at"])
        if name and not contact.name:
            contact.name = name[:200]
            contact.save(update_fields=["name", "updated_at"])
            return True
    return False


def messenger_profile_fetch(*, identity_id: int, final_attempt: bool = True) -> str:
    """Ask for one Messenger identity's profile and name its contact. Returns the outcome:
    "named", "kept" (the contact has a name already, or the profile has none), "refused" (a
    permanent error: marked as tried, the name kept), "skipped" (nothing to do). Raises
    ProfileUnavailable for a transient failure unless ``final_attempt`` (then marked as tried)."""
    identity = ContactIdentity.objects.select_related("contact").filter(pk=identity_id, kind=PSID).first()
    if identity is None or identity.profile_checked_at is not None:
        return "skipped"
    if identity.contact.name:
        _mark(identity.pk)
        return "kept"
    account = _page_account(identity)
    token = account.secret("page_access_token") if account is not None else ""
    if not token:
        logger.warning("identity %s: no Messenger page access token, profile not asked for", identity.pk)
        _mark(identity.pk)
        return "refused"
    try:
        name = profile_name_read(identity.value, token)
    except ProfileUnavailable:
        if not final_attempt:
            raise
        logger.warning("identity %s: profile still unavailable, giving up", identity.pk, exc_info=True)
        _mark(identity.pk)
        return "refused"
    except SendError as exc:
        logger.warning("identity %s: profile refused: %s", identity.pk, exc.reason)
        _mark(identity.pk)
        return "refused"
    return "named" if _mark(identity.pk, name=name) else "kept"


def messenger_identities_without_name(*, older_than: dt.timedelta) -> QuerySet[ContactIdentity]:
    """Messenger identities whose contact has no name and whose profile was never asked for, first
    seen more than ``older_than`` ago (younger ones still have their task coming)."""
    return ContactIdentity.objects.filter(
        kind=PSID,
        profile_checked_at__isnull=True,
        contact__name="",
        created_at__lt=timezone.now() - older_than,
    ).order_by("created_at")


def message_profile_identity(*, message_id: int) -> int | None:
    """For a newly stored message: the Messenger identity of its contact still to be asked about
    (None for any other message: the after-ingest task is a no-op for them)."""
    return (
        ContactIdentity.objects.filter(
            kind=PSID,
            profile_checked_at__isnull=True,
            contact__tickets__messages__pk=message_id,
            contact__tickets__messages__channel="facebook",
            contact__name="",
        )
        .values_list("pk", flat=True)
        .first()
    )
