"""Media download against a real HTTP stand-in on 127.0.0.1 speaking Twilio's and the Graph API's
media endpoints. The webhook stores the message at once; the task (in-process here, a real worker
in the worker test) fetches the files afterwards."""

from __future__ import annotations

import pytest

from channels.models import ChannelAccount, InboundEvent
from channels.signatures import meta_signature
from tests.support import WorkerProcess, set_eager, wait_for
from tickets.models import Attachment, Message

from .media_standin import EXE, MP3, PDF, PNG, MediaStandIn
from .webhook_base import PUBLIC_BASE_URL, TwilioSigning, fixture_bytes

AC = "AC1f2e3d4c5b6a79880123456789abcdef"
TOKEN = "auth-token-uji"
ACCESS = "akses-graph-uji"


@pytest.fixture
def standin():
    server = MediaStandIn(account_sid=AC, auth_token=TOKEN, access_token=ACCESS).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _media_settings(settings, standin):
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL
    settings.CURHAT_GRAPH_API_BASE_URL = standin.url
    settings.CURHAT_MEDIA_DOWNLOAD_MAX_ATTEMPTS = 3
    settings.CURHAT_PROVIDER_TIMEOUT_SECONDS = 5


def _account(provider: str, channel: str, **secrets) -> ChannelAccount:
    return ChannelAccount.objects.create(
        slug=f"media-{provider}".replace("_", "-"),
        name=provider,
        channel=channel,
        provider=provider,
        secrets=secrets,
    )


def _post_twilio(client, account, body: bytes):
    case = TwilioSigning()
    case.slug, case.provider = account.slug, account.provider
    path = case.path()
    return client.post(
        path,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=case.signature_headers(body, TOKEN, path),
    )


def _post_meta(client, account, body: bytes):
    return client.post(
        f"/webhooks/{account.provider}/{account.slug}/",
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(body, "app-secret-uji")},
    )


def _twilio_media_body(standin) -> bytes:
    # The documented shape, with Twilio's host swapped for the stand-in's (form-encoded).
    from urllib.parse import quote

    return fixture_bytes("twilio_whatsapp", "media").replace(
        quote("https://api.twilio.com", safe="").encode(), quote(standin.url, safe="").encode()
    )


@pytest.mark.django_db
def test_twilio_media_is_fetched_with_basic_auth_and_checked_by_content(
    client, standin, django_capture_on_commit_callbacks
):
    account = _account("twilio_whatsapp", "whatsapp", auth_token=TOKEN, account_sid=AC)
    standin.add("ME00000000000000000000000000000001", PNG, "image/jpeg")  # declared jpeg, really png
    standin.add("ME00000000000000000000000000000002", PDF, "application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_twilio(client, account, _twilio_media_body(standin)).status_code == 200
    image, document = Attachment.objects.order_by("id")
    assert image.download_status == Attachment.DownloadStatus.STORED, image.download_error
    assert image.content_type == "image/png" and image.declared_content_type == "image/jpeg"
    assert image.file.read() == PNG
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    assert any(path.startswith("/storage/") for path, _auth in standin.requests)


@pytest.mark.django_db
def test_meta_media_is_looked_up_then_fetched_with_the_bearer_token(
    client, standin, django_capture_on_commit_callbacks
):
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", PNG, "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_meta(client, account, fixture_bytes("meta_whatsapp", "image")).status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.download_status == Attachment.DownloadStatus.STORED, attachment.download_error
    assert attachment.download_attempts == 1
    paths = [path for path, auth in standin.requests if auth == f"Bearer {ACCESS}"]
    assert paths[0] == "/v23.0/1003383421387256" and paths[1].startswith("/whatsapp_business/attachments/")


@pytest.mark.django_db
def test_messenger_attachment_url_is_fetched(client, standin, django_capture_on_commit_callbacks):
    account = _account("messenger", "facebook", app_secret="app-secret-uji")
    standin.add("kk.jpg", PNG, "image/png")
    body = fixture_bytes("messenger", "image").replace(
        b"https://scontent.xx.fbcdn.net/v/t1.15752-9/kk.jpg?_nc_cat=1&oh=abc",
        f"{standin.url}/cdn/kk.jpg".encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_meta(client, account, body).status_code == 200
    assert Attachment.objects.get().download_status == Attachment.DownloadStatus.STORED


@pytest.mark.django_db
def test_transient_failures_are_retried_then_stored(client, standin, django_capture_on_commit_callbacks):
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", PNG, "image/jpeg")
    standin.fail["1003383421387256"] = [500, 429]
    with django_capture_on_commit_callbacks(execute=True):
        _post_meta(client, account, fixture_bytes("meta_whatsapp", "image"))
    attachment = Attachment.objects.get()
    assert attachment.download_status == Attachment.DownloadStatus.STORED
    assert attachment.download_attempts == 3


@pytest.mark.django_db
def test_after_the_last_attempt_the_failure_is_visible_and_the_message_kept(
    client, standin, django_capture_on_commit_callbacks
):
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", PNG, "image/jpeg")
    standin.fail["1003383421387256"] = [503] * 10
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_meta(client, account, fixture_bytes("meta_whatsapp", "image")).status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.download_status == Attachment.DownloadStatus.FAILED
    assert attachment.download_attempts == 3 and "HTTP 503" in attachment.download_error
    assert attachment.get_download_status_display() == "Gagal diunduh"
    assert Message.objects.get().body == "Foto KK lama saya"
    assert InboundEvent.objects.get().outcome == InboundEvent.Outcome.PROCESSED


@pytest.mark.django_db
def test_a_permanent_error_fails_at_once(client, standin, django_capture_on_commit_callbacks):
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    # Not registered with the stand-in: the Graph API answers 404.
    with django_capture_on_commit_callbacks(execute=True):
        _post_meta(client, account, fixture_bytes("meta_whatsapp", "image"))
    attachment = Attachment.objects.get()
    assert attachment.download_status == Attachment.DownloadStatus.FAILED
    assert attachment.download_attempts == 1 and "HTTP 404" in attachment.download_error


@pytest.mark.django_db
def test_wrong_credentials_fail_visibly(client, standin, django_capture_on_commit_callbacks):
    account = _account("twilio_whatsapp", "whatsapp", auth_token=TOKEN, account_sid="ACwrong")
    standin.add("ME00000000000000000000000000000001", PNG, "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        _post_twilio(client, account, _twilio_media_body(standin))
    assert set(Attachment.objects.values_list("download_error", flat=True)) == {
        f"HTTP 401 dari {standin.url}/2010-04-01/Accounts/{AC}/Messages/MM11112222333344445555666677778888/Media/ME00000000000000000000000000000001",
        f"HTTP 401 dari {standin.url}/2010-04-01/Accounts/{AC}/Messages/MM11112222333344445555666677778888/Media/ME00000000000000000000000000000002",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "limit", "reason"), [(EXE, None, "tidak diterima"), (PNG, 10, "terlalu besar")]
)
def test_refused_content_is_recorded_not_stored(
    client, standin, settings, django_capture_on_commit_callbacks, content, limit, reason
):
    if limit:
        settings.CURHAT_MAX_ATTACHMENT_BYTES = limit
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", content, "image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        _post_meta(client, account, fixture_bytes("meta_whatsapp", "image"))
    attachment = Attachment.objects.get()
    assert attachment.download_status == Attachment.DownloadStatus.REJECTED
    assert reason in attachment.download_error and not attachment.file


@pytest.mark.django_db
def test_voicemail_recording_is_downloaded(client, standin, django_capture_on_commit_callbacks):
    account = _account("twilio_voice", "phone", auth_token=TOKEN, account_sid=AC)
    standin.add("RE0a1b2c3d4e5f60718293a4b5c6d7e8f9", MP3, "audio/mpeg")
    from urllib.parse import quote

    body = fixture_bytes("twilio_voice", "recording").replace(
        quote("https://api.twilio.com", safe="").encode(), quote(standin.url, safe="").encode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_twilio(client, account, body).status_code == 200
    recording = Attachment.objects.get()
    assert recording.download_status == Attachment.DownloadStatus.STORED, recording.download_error
    assert recording.content_type == "audio/mpeg"
    assert Message.objects.get().kind == "call"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_downloads_meta_media(client, standin, purge_broker, settings):
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", PNG, "image/jpeg")
    standin.fail["1003383421387256"] = [500]  # the worker retries with backoff
    set_eager(False)
    worker = WorkerProcess(
        extra_env={
            "CURHAT_GRAPH_API_BASE_URL": standin.url,
            "CURHAT_MEDIA_DOWNLOAD_BACKOFF_SECONDS": "1",
        }
    ).start()
    try:
        assert _post_meta(client, account, fixture_bytes("meta_whatsapp", "image")).status_code == 200
        attachment = Attachment.objects.get()
        assert attachment.download_status == Attachment.DownloadStatus.PENDING  # the webhook did not wait
        wait_for(
            lambda: Attachment.objects.filter(pk=attachment.pk, download_status="stored").exists(),
            timeout=30,
            message=f"worker download; log: {worker.log()[-2000:]}",
        )
        attachment.refresh_from_db()
        assert attachment.download_attempts == 2
    finally:
        worker.stop()
        set_eager(True)


@pytest.mark.django_db
def test_the_sweeper_re_enqueues_downloads_whose_task_was_lost(client, standin, settings):
    from channels.tasks import media_download_sweep

    settings.CURHAT_AFTER_INGEST_TASKS = []  # as if the broker had been down when the message came in
    account = _account("meta_whatsapp", "whatsapp", app_secret="app-secret-uji", access_token=ACCESS)
    standin.add("1003383421387256", PNG, "image/jpeg")
    _post_meta(client, account, fixture_bytes("meta_whatsapp", "image"))
    assert media_download_sweep() == 0  # too recent: its own task may still be retrying
    settings.CURHAT_MEDIA_SWEEP_AFTER_SECONDS = 0
    assert media_download_sweep() == 1
    assert Attachment.objects.get().download_status == Attachment.DownloadStatus.STORED
    assert media_download_sweep() == 0
