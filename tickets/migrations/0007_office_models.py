"""The office's structure and calendar move into the core app: officials.Department and
officials.Official, reports.PublicHoliday and reports.WorkDay become tickets' models.

Nothing changes in the database: the tables keep their names (``db_table``), so every operation on
the models is state-only (SeparateDatabaseAndState). officials 0004 and reports 0003 then point
their own foreign keys at the moved models and drop them from their state.

The content types follow the models: their rows are relabelled in place (officials → tickets,
reports → tickets), so the permissions, group grants and admin log entries that point at them keep
pointing at the same models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (old app label, model) → new app label
MOVED = {
    ("officials", "department"): "tickets",
    ("officials", "official"): "tickets",
    ("reports", "publicholiday"): "tickets",
    ("reports", "workday"): "tickets",
}


def _fold(apps, *, keep, drop):
    """Move what points at the content type ``drop`` onto ``keep``, then delete ``drop``.

    Only needed when both labels already have a row (e.g. content types created for the new label
    before this migration ran): ``keep`` is the row the existing grants and log entries use.
    """
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    kept = {p.codename: p for p in Permission.objects.filter(content_type=keep)}
    for permission in Permission.objects.filter(content_type=drop):
        twin = kept.get(permission.codename)
        if twin is None:
            permission.content_type = keep
            permission.save(update_fields=["content_type"])
            continue
        for group in permission.group_set.all():
            group.permissions.add(twin)
        for user in permission.user_set.all():
            user.user_permissions.add(twin)
        permission.delete()
    LogEntry.objects.filter(content_type=drop).update(content_type=keep)
    drop.delete()


def _relabel(apps, moves):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for (old_label, model), new_label in moves.items():
        old = ContentType.objects.filter(app_label=old_label, model=model).first()
        if old is None:  # a new database: post_migrate creates the rows under the new label
            continue
        new = ContentType.objects.filter(app_label=new_label, model=model).first()
        if new is not None:
            _fold(apps, keep=old, drop=new)
        old.app_label = new_label
        old.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def content_types_forward(apps, schema_editor):
    _relabel(apps, MOVED)


def content_types_backward(apps, schema_editor):
    _relabel(apps, {(new, model): old for (old, model), new in MOVED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_message_search_vector"),
        ("officials", "0003_escalation_history"),
        # Its data migration fills the calendar through reports' own (historical) WorkDay.
        ("reports", "0002_rollup_trigger_and_calendar"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Department",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("code", models.SlugField(max_length=40, unique=True, verbose_name="kode")),
                        ("name", models.CharField(max_length=200, verbose_name="nama")),
                        ("short_name", models.CharField(blank=True, max_length=40, verbose_name="singkatan")),
                        ("description", models.TextField(blank=True, verbose_name="cakupan")),
                        ("answer_needs_approval", models.BooleanField(default=False, help_text="Jika aktif, jawaban pejabat menunggu persetujuan operator sebelum dikirim.", verbose_name="jawaban perlu disetujui operator")),
                        ("service_hours", models.PositiveSmallIntegerField(default=24, help_text="Jam kerja sampai jawaban pertama jatuh tempo (bawaan SP4N-LAPOR!: 3 hari kerja).", verbose_name="batas waktu jawaban (jam kerja)")),
                        ("is_active", models.BooleanField(default=True, verbose_name="aktif")),
                    ],
                    options={
                        "verbose_name": "bidang",
                        "verbose_name_plural": "bidang",
                        "db_table": "officials_department",
                        "ordering": ("name",),
                    },
                ),
                migrations.CreateModel(
                    name="Official",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(blank=True, max_length=200, verbose_name="jabatan")),
                        ("is_available", models.BooleanField(default=True, help_text="Nonaktifkan saat cuti/dinas luar agar eskalasi dialihkan.", verbose_name="tersedia")),
                        ("departments", models.ManyToManyField(db_table="officials_official_departments", related_name="officials", to="tickets.department", verbose_name="bidang")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="official", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "pejabat",
                        "verbose_name_plural": "pejabat",
                        "db_table": "officials_official",
                    },
                ),
                migrations.AddField(
                    model_name="department",
                    name="default_official",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="default_for", to="tickets.official", verbose_name="pejabat bawaan"),
                ),
                migrations.CreateModel(
                    name="PublicHoliday",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("date", models.DateField(unique=True, verbose_name="tanggal")),
                        ("name", models.CharField(max_length=200, verbose_name="keterangan")),
                    ],
                    options={
                        "verbose_name": "hari libur",
                        "verbose_name_plural": "hari libur",
                        "db_table": "reports_publicholiday",
                        "ordering": ("date",),
                    },
                ),
                migrations.CreateModel(
                    name="WorkDay",
                    fields=[
                        ("date", models.DateField(primary_key=True, serialize=False)),
                        ("is_workday", models.BooleanField()),
                        ("workdays_before", models.PositiveIntegerField()),
                    ],
                    options={
                        "verbose_name": "hari kerja",
                        "verbose_name_plural": "kalender hari kerja",
                        "db_table": "reports_workday",
                    },
                ),
                migrations.AlterField(
                    model_name="ticket",
                    name="department",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="tickets", to="tickets.department"),
                ),
                migrations.AlterField(
                    model_name="topic",
                    name="department",
                    field=models.ForeignKey(blank=True, help_text="Bidang yang menangani eskalasi topik ini.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="topics", to="tickets.department", verbose_name="bidang"),
                ),
                migrations.AlterField(
                    model_name="knowledgeentry",
                    name="department",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="knowledge", to="tickets.department", verbose_name="bidang"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
