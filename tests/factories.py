"""Builders for test data: normalized inbound messages and staff users."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone

from tickets.inbound import InboundAttachment, InboundMessage, Sender

_counter = itertools.count(1)


def inbound(
    *,
    text: str = "Selamat pagi, syarat bikin KK baru apa saja?",
    channel: str = "whatsapp",
    provider: str = "meta_whatsapp",
    sender_kind: str = "phone",
    sender: str = "6281234567890",
    name: str = "Andi",
    provider_message_id: str | None = None,
    timestamp: dt.datetime | None = None,
    attachments: tuple[InboundAttachment, ...] = (),
    **extra,
) -> InboundMessage:
    return InboundMessage(
        channel=channel,
        provider=provider,
        provider_message_id=provider_message_id
        if provider_message_id is not None
        else f"wamid.{uuid.uuid4().hex}",
        sender=Sender(kind=sender_kind, value=sender, display_name=name),
        timestamp=timestamp or timezone.now(),
        text=text,
        attachments=attachments,
        **extra,
    )


def staff_user(username: str | None = None, *, group: str | None = None, superuser: bool = False, **fields):
    from django.contrib.auth.models import Group

    User = get_user_model()
    user = User.objects.create_user(
        username=username or f"staf{next(_counter)}", password="rahasia-uji-123", is_staff=True, **fields
    )
    if superuser:
        user.is_superuser = True
        user.save()
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


# A channel account per provider as the webhook tests sign for it: secrets "s" (app secret),
# "v" (verify token), "t" (Twilio auth token).
TEST_ACCOUNTS = {
    "meta_whatsapp": dict(
        channel="whatsapp", address="1", secrets={"app_secret": "s", "verify_token": "v", "access_token": "a"}
    ),
    "messenger": dict(
        channel="facebook",
        address="2",
        secrets={"app_secret": "s", "verify_token": "v", "page_access_token": "p"},
    ),
    "twilio_whatsapp": dict(channel="whatsapp", address="+62811415227", secrets={"auth_token": "t"}),
    "twilio_voice": dict(channel="phone", address="+62811428227", secrets={"auth_token": "t"}),
}


def channel_account(provider: str, slug: str, **fields):
    from channels.models import ChannelAccount

    return ChannelAccount.objects.create(
        provider=provider, slug=slug, name=slug, **{**TEST_ACCOUNTS[provider], **fields}
    )
