"""Messenger contacts get their name from the Graph API user profile (GET /{version}/{psid}
?fields=first_name,last_name with the page access token), by a worker task, against a real HTTP
stand-in on 127.0.0.1. A failed call keeps the name as it is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from channels.profiles import ProfileUnavailable, messenger_profile_fetch
from channels.tasks import messenger_profile_sweep
from tests.standins.providers import ProviderStandIn
from tickets.models import Contact, ContactIdentity

from .webhook_base import MetaSigning

PSID = "6783241019432912"
PAGE_TOKEN = "token-halaman-uji"
PROFILE_TASK = "channels.tasks.messenger_profile_fetch_after_ingest"


@pytest.fixture
def graph(settings):
    server = ProviderStandIn().start()
    server.add_graph_node("104857600000001", PAGE_TOKEN)
    settings.CURHAT_GRAPH_API_BASE_URL = server.base_url
    settings.CURHAT_PROVIDER_TIMEOUT_SECONDS = 3
    yield server
    server.stop()


class TestMessengerProfile(MetaSigning):
    provider = "messenger"
    channel = "facebook"
    address = "104857600000001"
    extra_secrets = {"verify_token": "token-verifikasi", "page_access_token": PAGE_TOKEN}

    def _identity(self) -> ContactIdentity:
        return ContactIdentity.objects.select_related("contact").get(kind="facebook_psid", value=PSID)

    def test_a_new_messenger_contact_is_named_from_the_profile(
        self, client, account, graph, settings, django_capture_on_commit_callbacks
    ):
        settings.CURHAT_AFTER_INGEST_TASKS = [PROFILE_TASK]
        graph.add_profile(
            PSID, first_name="Andi", last_name="Makkasau", profile_pic="https://x.invalid/p.jpg"
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert self.post(client, "text").status_code == 200
        identity = self._identity()
        assert identity.contact.name == "Andi Makkasau"
        assert identity.profile_checked_at is not None
        (request,) = graph.requests("profile", method="GET")
        assert request.path == f"/{settings.CURHAT_GRAPH_API_VERSION}/{PSID}"
        assert request.value("fields") == "first_name,last_name"
        assert request.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
        # The contact's next ticket asks nothing again.
        with django_capture_on_commit_callbacks(execute=True):
            messenger_profile_fetch(identity_id=identity.pk)
        assert len(graph.requests("profile", method="GET")) == 1

    def test_a_failing_profile_call_keeps_the_name_and_is_retried_then_given_up(self, client, account, graph):
        self.post(client, "text")
        identity = self._identity()
        graph.add_profile(PSID, first_name="Andi", last_name="Makkasau")
        graph.fail(503, api="profile", times=2)
        with pytest.raises(ProfileUnavailable):
            messenger_profile_fetch(identity_id=identity.pk, final_attempt=False)
        identity.refresh_from_db()
        assert identity.profile_checked_at is None  # not tried for good: the task retries
        assert Contact.objects.get().name == ""
        assert messenger_profile_fetch(identity_id=identity.pk, final_attempt=True) == "refused"
        identity.refresh_from_db()
        assert identity.profile_checked_at is not None and Contact.objects.get().name == ""
        assert len(graph.requests("profile", method="GET")) == 2

    def test_the_logs_name_the_psid_only_by_its_ref(self, client, account, graph, settings):
        """A refusal (Graph's message quotes the id), a connection failure (the URL in the traceback),
        urllib3's own request lines: what the production handler writes holds no PSID."""
        import io
        import logging
        import socket

        from curhat.logging import MaskPersonalNumbers
        from tickets.privacy.logs import log_ref

        out = io.StringIO()
        handler = logging.StreamHandler(out)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        handler.addFilter(MaskPersonalNumbers())
        root, urllib3 = logging.getLogger(), logging.getLogger("urllib3")
        old_levels = root.level, urllib3.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        urllib3.setLevel(logging.DEBUG)
        try:
            self.post(client, "text")
            identity = self._identity()
            assert messenger_profile_fetch(identity_id=identity.pk) == "refused"  # unknown to Graph
            ContactIdentity.objects.filter(pk=identity.pk).update(profile_checked_at=None)
            with socket.socket() as closed:
                closed.bind(("127.0.0.1", 0))
                port = closed.getsockname()[1]
            settings.CURHAT_GRAPH_API_BASE_URL = f"http://127.0.0.1:{port}"
            assert messenger_profile_fetch(identity_id=identity.pk, final_attempt=True) == "refused"
        finally:
            root.removeHandler(handler)
            root.setLevel(old_levels[0])
            urllib3.setLevel(old_levels[1])
        text = out.getvalue()
        assert "profile refused" in text and "Traceback" in text and "Max retries" in text, text
        assert PSID not in text, text
        assert log_ref(PSID) in text

    def test_a_refused_profile_is_marked_tried_and_the_name_kept(self, client, account, graph):
        self.post(client, "text")  # no profile in the stand-in: Graph answers (#100) ... does not exist
        identity = self._identity()
        assert messenger_profile_fetch(identity_id=identity.pk, final_attempt=False) == "refused"
        identity.refresh_from_db()
        assert identity.profile_checked_at is not None and identity.contact.name == ""

    def test_a_name_given_meanwhile_is_never_replaced(self, client, account, graph):
        self.post(client, "text")
        Contact.objects.update(name="Bu Rahma")
        graph.add_profile(PSID, first_name="Andi", last_name="Makkasau")
        assert messenger_profile_fetch(identity_id=self._identity().pk) == "kept"
        assert Contact.objects.get().name == "Bu Rahma"
        assert graph.requests("profile", method="GET") == []

    def test_the_sweeper_names_contacts_whose_task_was_lost(self, client, account, graph, settings):
        settings.CURHAT_AFTER_INGEST_TASKS = []  # the task is "lost"
        settings.CURHAT_PROFILE_SWEEP_AFTER_SECONDS = 60
        self.post(client, "text")
        graph.add_profile(PSID, first_name="Andi", last_name="")
        assert messenger_profile_sweep() == 0  # too young: its task may still come
        ContactIdentity.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
        assert messenger_profile_sweep() == 1
        assert Contact.objects.get().name == "Andi"
        assert messenger_profile_sweep() == 0  # nothing left
