"""The citizen's pages: the front page (/), ask a question (/tanya/), see it through (/lacak/<token>/), and the privacy
notice (/privasi/). No account: the tracking page's random token is the only key, so every wrong
or missing token is the same 404 (no ticket can be found by its reference)."""

from __future__ import annotations

import django_ratelimit as ratelimit
from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from tickets.knowledge.entries import published_entries
from tickets.models import Message, Ticket
from tickets.public.forms import PublicQuestionForm, TrackingLookupForm, TrackingReplyForm
from tickets.public.office import office_contact_points
from tickets.public.services import (
    tracking_can_reply,
    tracking_lookup,
    tracking_reply_submit,
    website_question_submit,
)
from tickets.roles import can_use_inbox, is_official

SESSION_KEY = "public_submitted_ticket"
PUBLIC_DIRECTIONS = (Message.Direction.IN, Message.Direction.OUT)  # never internal notes


def home(request):
    """The public front page: how to reach the office, and the staff sign-in. Signed-in operators go
    straight to their inbox, officials to their queue."""
    if is_official(request.user) and not can_use_inbox(request.user):
        return redirect(reverse("officials:queue"))
    if can_use_inbox(request.user):
        try:
            return redirect(reverse("inbox:list"))
        except NoReverseMatch:  # the inbox is not mounted in this URL configuration
            pass
    return render(
        request,
        "tickets/home.html",
        {
            "office_name": settings.CURHAT_OFFICE_NAME,
            "contact_points": office_contact_points(),
            "services": published_entries(),
            "lookup_form": TrackingLookupForm(),
        },
    )


def _rate_per_ip(group: str, request: HttpRequest) -> str:
    return settings.CURHAT_WEBSITE_RATE_PER_IP


def _rate_per_contact(group: str, request: HttpRequest) -> str:
    return settings.CURHAT_WEBSITE_RATE_PER_CONTACT


def _limited_by_ip(request: HttpRequest, group: str) -> bool:
    return is_ratelimited(request, group=group, key="ip", rate=_rate_per_ip, method="POST", increment=True)


def _limited_by(request: HttpRequest, group: str, value: str) -> bool:
    return is_ratelimited(
        request,
        group=group,
        key=lambda _group, _request: value,
        rate=_rate_per_contact,
        method="POST",
        increment=True,
    )


def _private(response: HttpResponse) -> HttpResponse:
    """Pages that carry a ticket: not cached, not indexed, and the token never leaks to another site
    as a Referer ("no-referrer" would make browsers send "Origin: null", which CSRF refuses)."""
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


REFUSED_RATE = _("Terlalu banyak pengiriman dalam waktu singkat. Silakan coba lagi nanti.")
REFUSED_BOT = _("Pengiriman ditolak. Jika Anda bukan robot, kosongkan kolom tersembunyi lalu coba lagi.")


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    context = {"office_name": settings.CURHAT_OFFICE_NAME}
    if request.method != "POST":
        return render(request, "tickets/public/ask.html", {**context, "form": PublicQuestionForm()})
    form = PublicQuestionForm(request.POST, request.FILES)
    refusal, status = "", 200
    if _limited_by_ip(request, "public-ask-ip"):
        refusal, status = REFUSED_RATE, 429
    elif form.is_bot:
        refusal, status = REFUSED_BOT, 400
    elif not form.is_valid():
        status = 400
    elif _limited_by(request, "public-ask-contact", form.contact_key):
        refusal, status = REFUSED_RATE, 429
    else:
        data = form.cleaned_data
        submitted = website_question_submit(
            submission_id=data["submission"],
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            topic=data.get("topic"),
            text=data["message"],
            files=data["attachments"],
        )
        request.session[SESSION_KEY] = {
            "ticket": submitted.result.ticket.pk,
            "opened": submitted.opened_ticket,
        }
        return redirect("public:ask_done")
    return render(
        request, "tickets/public/ask.html", {**context, "form": form, "refusal": refusal}, status=status
    )


@never_cache
def ask_done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.get(SESSION_KEY)
    if not submitted:
        return redirect("public:ask")
    ticket = get_object_or_404(Ticket, pk=submitted["ticket"])
    tracking_url = ""
    if submitted.get("opened"):
        tracking_url = request.build_absolute_uri(reverse("public:track", args=[ticket.tracking_token]))
    return _private(
        render(
            request,
            "tickets/public/done.html",
            {"ticket": ticket if submitted.get("opened") else None, "tracking_url": tracking_url},
        )
    )


@require_http_methods(["GET", "POST"])
def track_lookup(request: HttpRequest) -> HttpResponse:
    """/lacak/: the reference and the phone number or e-mail it was sent from (or the pasted link)
    lead to the tracking page. Every wrong combination gets the same answer, and tries are limited
    per address (CURHAT_TRACKING_LOOKUP_RATE_PER_IP)."""
    form = TrackingLookupForm(request.POST or None)
    refusal, status = "", 200
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="public-track-lookup",
            key="ip",
            rate=settings.CURHAT_TRACKING_LOOKUP_RATE_PER_IP,
            method="POST",
            increment=True,
        ):
            refusal, status = REFUSED_RATE, 429
        elif not form.is_valid():
            status = 400
        elif form.cleaned_data["token"]:
            return redirect("public:track", token=form.cleaned_data["token"])
        else:
            data = form.cleaned_data
            ticket = tracking_lookup(reference=data["reference"], identities=data["identities"])
            if ticket is not None:
                return redirect("public:track", token=ticket.tracking_token)
            refusal, status = NOT_FOUND, 404
    context = {"form": form, "refusal": refusal, "office_name": settings.CURHAT_OFFICE_NAME}
    return _private(render(request, "tickets/public/lookup.html", context, status=status))


NOT_FOUND = _("Tiket tidak ditemukan. Periksa nomor tiket dan nomor HP/email yang Anda pakai saat bertanya.")


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    # Every look-up counts, found or not: guessing tokens from one address is slowed to a crawl.
    if is_ratelimited(
        request,
        group="public-track-view",
        key="ip",
        rate=settings.CURHAT_TRACKING_RATE_PER_IP,
        method=ratelimit.ALL,
        increment=True,
    ):
        return render(request, "403.html", {"exception": REFUSED_RATE}, status=429)
    ticket = get_object_or_404(Ticket.objects.select_related("topic", "contact"), tracking_token=token)
    can_reply = tracking_can_reply(ticket)
    form = TrackingReplyForm()
    refusal, status = "", 200
    if request.method == "POST":
        form = TrackingReplyForm(request.POST, request.FILES)
        if not can_reply:
            refusal, status = _("Konsultasi ini sudah ditutup. Silakan kirim pertanyaan baru."), 400
        elif _limited_by_ip(request, "public-track-ip") or _limited_by(
            request, "public-track-ticket", ticket.reference
        ):
            refusal, status = REFUSED_RATE, 429
        elif form.is_bot:
            refusal, status = REFUSED_BOT, 400
        elif not form.is_valid():
            status = 400
        else:
            tracking_reply_submit(
                ticket=ticket,
                submission_id=form.cleaned_data["submission"],
                text=form.cleaned_data["message"],
                files=form.cleaned_data["attachments"],
            )
            flash.success(request, _("Pesan Anda sudah kami terima."))
            return redirect("public:track", token=token)
    timeline = (
        ticket.messages.filter(direction__in=PUBLIC_DIRECTIONS)
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    return _private(
        render(
            request,
            "tickets/public/track.html",
            {
                "ticket": ticket,
                "timeline": timeline,
                "form": form,
                "can_reply": can_reply,
                "refusal": refusal,
                "own_url": _own_url(token),
                "office_name": settings.CURHAT_OFFICE_NAME,
            },
            status=status,
        )
    )


def _own_url(token: str) -> str:
    """This page's address as the automatic reply wrote it (the configured public base URL)."""
    return settings.PUBLIC_BASE_URL + reverse("public:track", kwargs={"token": token})


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "tickets/public/privacy.html", {"office_name": settings.CURHAT_OFFICE_NAME})
