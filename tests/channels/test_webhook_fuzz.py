"""Hypothesis on the webhook parsers: whatever a (correctly signed) body holds, the answer is 200 or a
4xx with a reason, never a server error, and the raw event is kept."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.models import InboundEvent
from channels.signatures import meta_signature, twilio_signature

from ..factories import channel_account

pytestmark = pytest.mark.django_db

BASE = "https://curhat.example.go.id"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def meta_like(obj: str, list_key: str):
    """Bodies in the Meta/Messenger envelope with arbitrary content where the documented fields go."""
    message = st.fixed_dictionaries(
        {
            "from": st.text(max_size=20),
            "id": st.text(max_size=20),
            "timestamp": st.text(max_size=12),
            "type": st.sampled_from(["text", "image", "audio", "location", "interactive", "reaction", "x"]),
        },
        optional={"text": json_value, "image": json_value, "context": json_value, "interactive": json_value},
    )
    value = st.fixed_dictionaries(
        {},
        optional={
            "messages": st.lists(message, max_size=3),
            "statuses": st.lists(json_value, max_size=3),
            "contacts": st.lists(json_value, max_size=2),
            "metadata": json_value,
            "messaging": st.lists(json_value, max_size=3),
        },
    )
    entry = st.fixed_dictionaries(
        {},
        optional={
            "id": st.text(max_size=10),
            "changes": st.lists(
                st.fixed_dictionaries({"value": value}, optional={"field": st.text(max_size=10)}), max_size=2
            ),
            list_key: st.lists(json_value, max_size=3),
        },
    )
    return st.fixed_dictionaries({"object": st.just(obj), "entry": st.lists(entry, max_size=3)}) | json_value


@pytest.fixture
def accounts(settings):
    settings.PUBLIC_BASE_URL = BASE
    settings.CURHAT_AFTER_INGEST_TASKS = []
    channel_account("meta_whatsapp", "wa")
    channel_account("messenger", "fb")
    channel_account("twilio_whatsapp", "tw")
    channel_account("twilio_voice", "tv")


@pytest.mark.parametrize(
    ("provider", "slug", "envelope"),
    [
        ("meta_whatsapp", "wa", meta_like("whatsapp_business_account", "changes")),
        ("messenger", "fb", meta_like("page", "messaging")),
    ],
)
def test_signed_json_bodies_never_cause_a_server_error(client, accounts, provider, slug, envelope):
    @FUZZ
    @given(envelope)
    def run(payload):
        body = json.dumps(payload).encode()
        before = InboundEvent.objects.count()
        response = client.post(
            f"/webhooks/{provider}/{slug}/",
            body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": meta_signature(body, "s")},
        )
        assert response.status_code in (200, 400), (response.status_code, response.content[:300])
        assert InboundEvent.objects.count() == before + 1  # kept, whatever it was

    run()


twilio_params = st.dictionaries(
    st.sampled_from(
        [
            "MessageSid",
            "CallSid",
            "From",
            "To",
            "Body",
            "NumMedia",
            "MediaUrl0",
            "MediaContentType0",
            "WaId",
            "ProfileName",
            "MessageStatus",
            "CallStatus",
            "CallDuration",
            "RecordingUrl",
            "Latitude",
            "Longitude",
            "ErrorCode",
            "TranscriptionText",
            "Other",
        ]
    ),
    st.text(max_size=40),
    max_size=10,
)


@pytest.mark.parametrize(("provider", "slug"), [("twilio_whatsapp", "tw"), ("twilio_voice", "tv")])
def test_signed_twilio_forms_never_cause_a_server_error(client, accounts, provider, slug):
    path = f"/webhooks/{provider}/{slug}/"

    @FUZZ
    @given(twilio_params)
    def run(params):
        signature = twilio_signature(url=BASE + path, params=params, auth_token="t")
        response = client.post(
            path,
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
        assert response.status_code in (200, 400), (response.status_code, response.content[:300])

    run()
