"""Upgrading a database across the move of the office's models into the core (tickets 0007, officials
0004, reports 0003): rows, foreign keys and content types (with the grants and admin log entries on
them) come through unchanged. Runs the real migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from officials.models import Escalation
from tickets.models import Department, KnowledgeEntry, Official, PublicHoliday, Ticket, Topic, WorkDay

from .support import at_wita

BEFORE_THE_MOVE = [
    ("tickets", "0006_message_search_vector"),
    ("officials", "0003_escalation_history"),
    ("reports", "0002_rollup_trigger_and_calendar"),
]
DJANGO_APPS = [
    ("contenttypes", "0002_remove_content_type_name"),
    ("auth", "0012_alter_user_first_name_max_length"),
    ("admin", "0003_logentry_add_action_flag_choices"),
]
HOLIDAY = dt.date(2026, 8, 17)


def _migrate(targets=None) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return MigrationExecutor(connection)


def _old_database(apps) -> dict:
    """Rows as the previous release wrote them, through its own (historical) models."""
    ContentType_ = apps.get_model("contenttypes", "ContentType")
    Permission_ = apps.get_model("auth", "Permission")
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    LogEntry_ = apps.get_model("admin", "LogEntry")
    Department_ = apps.get_model("officials", "Department")
    Official_ = apps.get_model("officials", "Official")
    Escalation_ = apps.get_model("officials", "Escalation")
    PublicHoliday_ = apps.get_model("reports", "PublicHoliday")
    WorkDay_ = apps.get_model("reports", "WorkDay")
    Contact = apps.get_model("tickets", "Contact")
    Ticket_ = apps.get_model("tickets", "Ticket")
    Topic_ = apps.get_model("tickets", "Topic")
    KnowledgeEntry_ = apps.get_model("tickets", "KnowledgeEntry")

    capil = Department_.objects.create(code="capil-uji", name="Bidang Capil", service_hours=16)
    kabid = User.objects.create(username="kabid.uji", first_name="Kabid")
    official = Official_.objects.create(user=kabid, title="Kabid Capil")
    official.departments.add(capil)
    capil.default_official = official
    capil.save()
    holiday = PublicHoliday_.objects.create(date=HOLIDAY, name="HUT RI")
    WorkDay_.objects.filter(date=HOLIDAY).delete()
    WorkDay_.objects.create(date=HOLIDAY, is_workday=False, workdays_before=4242)
    topic = Topic_.objects.create(code="akta-uji", name="Akta uji", department=capil)
    entry = KnowledgeEntry_.objects.create(
        slug="akta-uji", title="Akta uji", checklist="KK", department=capil
    )
    contact = Contact.objects.create(name="Warga")
    ticket = Ticket_.objects.create(
        reference="CA-2026-999001",
        year=2026,
        number=999001,
        contact=contact,
        channel="whatsapp",
        topic=topic,
        department=capil,
        tracking_token="token-uji-migrasi",
    )
    escalation = Escalation_.objects.create(
        ticket=ticket, department=capil, official=official, question="Bisa?", due_at=at_wita(2026, 8, 18, 16)
    )

    # What the admin did with the old models: a group granted a permission on them, an admin log
    # entry about a department, and a user in that group.
    types = {
        model: ContentType_.objects.get_or_create(app_label=label, model=model)[0]
        for label, model in [("officials", "department"), ("reports", "workday")]
    }
    change_department, _ = Permission_.objects.get_or_create(
        content_type=types["department"], codename="change_department", defaults={"name": "Can change"}
    )
    view_workday, _ = Permission_.objects.get_or_create(
        content_type=types["workday"], codename="view_workday", defaults={"name": "Can view"}
    )
    group = Group.objects.create(name="pengelola-uji")
    group.permissions.add(change_department, view_workday)
    clerk = User.objects.create(username="pengelola.uji", is_staff=True, is_active=True)
    clerk.groups.add(group)
    log = LogEntry_.objects.create(
        user=clerk,
        content_type=types["department"],
        object_id=str(capil.pk),
        object_repr="Bidang Capil",
        action_flag=2,
        change_message="[]",
    )
    # A stray row under the new label (content types created for it before the upgrade ran), with
    # a grant of its own: the upgrade folds it into the old row rather than losing either.
    stray = ContentType_.objects.create(app_label="tickets", model="workday")
    stray_view = Permission_.objects.create(content_type=stray, codename="view_workday", name="Can view")
    Group.objects.create(name="pembaca-uji").permissions.add(stray_view)
    return {
        "department": capil.pk,
        "official": official.pk,
        "kabid": kabid.pk,
        "holiday": holiday.pk,
        "topic": topic.pk,
        "entry": entry.pk,
        "ticket": ticket.pk,
        "escalation": escalation.pk,
        "clerk": clerk.pk,
        "log": log.pk,
        "department_type": types["department"].pk,
        "workday_type": types["workday"].pk,
    }


@pytest.mark.django_db(transaction=True)
def test_upgrade_moves_office_models_into_tickets_keeping_rows_keys_and_content_types():
    executor = _migrate(BEFORE_THE_MOVE)
    # Django's own apps as they are (the migrations above do not reach their latest state).
    state = executor.loader.project_state([*BEFORE_THE_MOVE, *DJANGO_APPS])
    old = _old_database(state.apps)

    _migrate()
    ContentType.objects.clear_cache()

    capil = Department.objects.get(pk=old["department"])
    official = Official.objects.get(pk=old["official"])
    assert (capil.code, capil.service_hours, capil.default_official) == ("capil-uji", 16, official)
    assert official.user_id == old["kabid"] and list(official.departments.all()) == [capil]
    assert list(capil.officials.all()) == [official]
    assert PublicHoliday.objects.get(pk=old["holiday"]).date == HOLIDAY
    assert WorkDay.objects.get(date=HOLIDAY).workdays_before == 4242
    ticket = Ticket.objects.select_related("department", "topic__department").get(pk=old["ticket"])
    assert ticket.department == capil and ticket.topic.department == capil
    assert Topic.objects.get(pk=old["topic"]).department == capil
    assert KnowledgeEntry.objects.get(pk=old["entry"]).department == capil
    escalation = Escalation.objects.get(pk=old["escalation"])
    assert (escalation.ticket, escalation.department, escalation.official) == (ticket, capil, official)
    assert list(capil.escalations.all()) == [escalation]

    # The content type rows themselves moved: same ids, new label, nothing left under the old ones.
    department_type = ContentType.objects.get_for_model(Department)
    workday_type = ContentType.objects.get_for_model(WorkDay)
    assert (department_type.pk, department_type.app_label) == (old["department_type"], "tickets")
    assert (workday_type.pk, workday_type.app_label) == (old["workday_type"], "tickets")
    assert not ContentType.objects.filter(
        app_label__in=("officials", "reports"),
        model__in=("department", "official", "publicholiday", "workday"),
    ).exists()
    assert ContentType.objects.filter(model="workday").count() == 1
    # Grants follow: a user of the group now holds the permissions under the models' new label, and
    # the stray row's grant went to the surviving permission.
    clerk = get_user_model().objects.get(pk=old["clerk"])
    assert clerk.has_perm("tickets.change_department") and clerk.has_perm("tickets.view_workday")
    assert not clerk.has_perm("officials.change_department")
    view_workday = Permission.objects.get(content_type=workday_type, codename="view_workday")
    assert {g.name for g in view_workday.group_set.all()} == {"pengelola-uji", "pembaca-uji"}
    # The admin's history still opens the department.
    assert LogEntry.objects.get(pk=old["log"]).get_edited_object() == capil
