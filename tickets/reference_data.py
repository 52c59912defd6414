"""The office's reference data seeded from domain.md: roles, departments (bidang) and topics.

Seeding is idempotent and never overwrites what an admin has edited: rows are created when missing
and left alone otherwise. Offices differ; everything here stays editable in the admin.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from tickets.models import Department, Topic

ROLE_OPERATOR = "operator"
ROLE_OFFICIAL = "official"
ROLE_ADMIN = "admin"
ROLES = (ROLE_OPERATOR, ROLE_OFFICIAL, ROLE_ADMIN)

# domain.md §1: Sekretariat + 4 bidang; scope text is what the routing table says they handle.
DEPARTMENTS = [
    {
        "code": "dafduk",
        "short_name": "Dafduk",
        "name": "Bidang Pelayanan Pendaftaran Penduduk",
        "description": "Biodata; KK (baru/perubahan/hilang); KTP-el (perekaman, pencetakan, hilang/rusak, "
        "perubahan data); KIA; pindah datang (SKPWNI), termasuk fasilitasi pindah; surat keterangan "
        "kependudukan; penduduk rentan.",
    },
    {
        "code": "capil",
        "short_name": "Capil",
        "name": "Bidang Pelayanan Pencatatan Sipil",
        "description": "Akta kelahiran (termasuk terlambat); akta kematian; perkawinan/perceraian (non-Muslim); "
        "pengakuan, pengesahan, pengangkatan anak; perubahan nama; perubahan kewarganegaraan; "
        "pembetulan dan catatan pinggir akta.",
    },
    {
        "code": "piak",
        "short_name": "PIAK",
        "name": "Bidang Pengelolaan Informasi Administrasi Kependudukan",
        "description": "NIK tidak ditemukan/tidak valid; NIK ganda; anomali dan konsolidasi data; gangguan SIAK "
        "atau jaringan; TTE dan dokumen cetak mandiri; statistik agregat; masalah teknis IKD.",
    },
    {
        "code": "pdip",
        "short_name": "PDIP",
        "name": "Bidang Pemanfaatan Data dan Inovasi Pelayanan",
        "description": "Pemanfaatan data oleh lembaga lain (BPJS, bank, BPN, pajak, kesehatan, KPU) dengan PKS "
        "dan hak akses; inovasi layanan daring dan jemput bola; promosi IKD.",
    },
    {
        "code": "sekretariat",
        "short_name": "Sekretariat/PPID",
        "name": "Sekretariat dan PPID",
        "description": "Perilaku petugas; pungli; permohonan informasi publik (PPID); pengaduan umum.",
    },
]

# Topic code, name, department code. The order is the inbox's and the reports'.
TOPICS = [
    ("kk", "Kartu Keluarga (KK)", "dafduk"),
    ("ktp-el", "KTP-el", "dafduk"),
    ("kia", "Kartu Identitas Anak (KIA)", "dafduk"),
    ("pindah", "Pindah/datang (SKPWNI)", "dafduk"),
    ("perubahan-data", "Perubahan data/biodata", "dafduk"),
    ("akta-kelahiran", "Akta kelahiran", "capil"),
    ("akta-kematian", "Akta kematian", "capil"),
    ("perkawinan-perceraian", "Perkawinan/perceraian", "capil"),
    ("nik-data", "NIK/data kependudukan", "piak"),
    ("ikd", "Identitas Kependudukan Digital (IKD)", "piak"),
    ("pemanfaatan-data", "Pemanfaatan data (BPJS, bank, dll.)", "pdip"),
    ("pengaduan", "Pengaduan layanan", "sekretariat"),
    ("lainnya", "Lainnya", None),
]


@transaction.atomic
def reference_data_seed() -> dict[str, int]:
    """Create the roles, departments and topics that are missing. Returns how many were created."""
    created = {"roles": 0, "departments": 0, "topics": 0}
    for role in ROLES:
        created["roles"] += Group.objects.get_or_create(name=role)[1]
    admin_group_permissions_grant()
    departments: dict[str, Department] = {}
    for spec in DEPARTMENTS:
        department, was_created = Department.objects.get_or_create(
            code=spec["code"],
            defaults={k: v for k, v in spec.items() if k != "code"},
        )
        departments[department.code] = department
        created["departments"] += was_created
    for order, (code, name, department_code) in enumerate(TOPICS, start=1):
        _topic, was_created = Topic.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "department": departments.get(department_code) if department_code is not None else None,
                "sort_order": order * 10,
            },
        )
        created["topics"] += was_created
    return created


# The admin role's Django permissions (the admin site asks for them model by model). Everything on
# the helpdesk's own models; records kept as evidence (the audit log, providers' raw events, exports,
# the tally rollup) stay read-only whatever the permission, by their ModelAdmin. Not given: deleting
# tickets, contacts and escalations around the erasure flow (tickets.privacy), and any change to
# accounts and groups (a superuser's business: it would let an admin make themself one).
ADMIN_GROUP_APPS = ("tickets", "channels", "officials", "reports")
ADMIN_GROUP_WITHHELD = frozenset(
    {
        "tickets.delete_ticket",
        "tickets.delete_contact",
        "tickets.delete_contactidentity",
        "officials.delete_escalation",
        "tickets.add_auditevent",
        "tickets.change_auditevent",
        "tickets.delete_auditevent",
    }
)
ADMIN_GROUP_EXTRA = ("auth.view_user", "auth.view_group")


def admin_group_permissions_grant() -> int:
    """Give the admin group its model permissions (added, never taken away: an office may have
    given more by hand). Returns how many it holds. Permissions exist once ``migrate`` ran."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    group = Group.objects.get_or_create(name=ROLE_ADMIN)[0]
    extra = Q()
    for name in ADMIN_GROUP_EXTRA:
        app_label, codename = name.split(".")
        extra |= Q(content_type__app_label=app_label, codename=codename)
    wanted = [
        permission
        for permission in Permission.objects.filter(
            Q(content_type__app_label__in=ADMIN_GROUP_APPS) | extra
        ).select_related("content_type")
        if f"{permission.content_type.app_label}.{permission.codename}" not in ADMIN_GROUP_WITHHELD
    ]
    group.permissions.add(*wanted)
    return group.permissions.count()
