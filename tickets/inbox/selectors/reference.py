"""The reference lists the inbox's forms show (operators, topics, departments, officials, canned
answers), read through the reference data cache (``tickets.refdata``): the loaders register at
import, which ``TicketsConfig.ready()`` does."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import Q

from tickets.models import CannedAnswer, Department, Official, Topic
from tickets.refdata import loader, refdata
from tickets.roles import INBOX_ROLES, acting_officials, users_with_role

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _OfficialDepartments(TypedDict):
    department_ids: frozenset[int]


# Canned answers listed on the ticket page.
CANNED_ON_PAGE = 200


@loader("operators")
def _operators() -> list:
    return list(users_with_role(*INBOX_ROLES).order_by("first_name", "username"))


@loader("topics")
def _topics() -> list[Topic]:
    return list(Topic.objects.filter(is_active=True).select_related("department"))


@loader("departments")
def _departments() -> list[Department]:
    return list(Department.objects.filter(is_active=True))


@loader("officials")
def _officials() -> list[WithAnnotations[Official, _OfficialDepartments]]:
    """Officials who hold the role, with their users, each with ``department_ids`` (the escalation
    forms)."""
    # The attribute is set here, in Python, not by the query: the checker is told what it adds.
    officials = cast(
        "list[WithAnnotations[Official, _OfficialDepartments]]",
        list(acting_officials().select_related("user").prefetch_related("departments")),
    )
    for official in officials:
        official.department_ids = frozenset(d.pk for d in official.departments.all())
    return officials


@loader("canned")
def _canned() -> list[CannedAnswer]:
    return list(CannedAnswer.objects.filter(is_active=True).order_by("title")[:CANNED_ON_PAGE])


def inbox_operators() -> list:
    """Who a ticket can be assigned to: active operators and admins (cached, ``tickets.refdata``)."""
    return refdata("operators")


def active_topics() -> list[Topic]:
    return refdata("topics")


def active_departments() -> list[Department]:
    return refdata("departments")


def canned_answers_for_page() -> list[CannedAnswer]:
    """The canned answers listed on the ticket page (cached; the search box filters them there)."""
    return refdata("canned")


def canned_answers(*, text: str = "", topic_id: int | None = None, limit: int = 50) -> list[CannedAnswer]:
    answers = CannedAnswer.objects.filter(is_active=True)
    if text:
        answers = answers.filter(
            Q(title__icontains=text) | Q(body__icontains=text) | Q(shortcut__iexact=text)
        )
    if topic_id:
        answers = answers.filter(Q(topic_id=topic_id) | Q(topic__isnull=True))
    return list(answers.order_by("title")[:limit])
