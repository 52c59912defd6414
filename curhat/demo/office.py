"""The demo office: its staff (known passwords, printed by seed_demo) and its channel accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User

from channels.models import ChannelAccount, Provider
from tickets.models import Channel, Department, Official
from tickets.reference_data import ROLE_ADMIN, ROLE_OFFICIAL, ROLE_OPERATOR


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    first_name: str
    last_name: str
    role: str
    department: str = ""
    title: str = ""


DEMO_USERS = [
    DemoUser("admin", "curhat-admin-demo", "Andi", "Baso", ROLE_ADMIN),
    DemoUser("operator", "curhat-operator-demo", "Nurul", "Hikmah", ROLE_OPERATOR),
    DemoUser("operator2", "curhat-operator-demo", "Rahmat", "Hidayat", ROLE_OPERATOR),
    DemoUser(
        "kabid.dafduk",
        "curhat-pejabat-demo",
        "Muhammad",
        "Arsyad",
        ROLE_OFFICIAL,
        "dafduk",
        "Kepala Bidang Pelayanan Pendaftaran Penduduk",
    ),
    DemoUser(
        "kabid.capil",
        "curhat-pejabat-demo",
        "Sitti",
        "Aisyah",
        ROLE_OFFICIAL,
        "capil",
        "Kepala Bidang Pelayanan Pencatatan Sipil",
    ),
    DemoUser(
        "kabid.piak", "curhat-pejabat-demo", "Ahmad", "Yani", ROLE_OFFICIAL, "piak", "Kepala Bidang PIAK"
    ),
    DemoUser(
        "kabid.pdip", "curhat-pejabat-demo", "Hasnah", "Latif", ROLE_OFFICIAL, "pdip", "Kepala Bidang PDIP"
    ),
    DemoUser(
        "sekretaris",
        "curhat-pejabat-demo",
        "Baharuddin",
        "Tahir",
        ROLE_OFFICIAL,
        "sekretariat",
        "Sekretaris Dinas",
    ),
]

# Office endpoints (domain.md §0). Demo secrets only: the embedded default runs in sandbox mode.
DEMO_ACCOUNTS: list[dict[str, Any]] = [
    dict(
        slug="wa-parepare",
        name="WhatsApp 0811-415-227",
        channel=Channel.WHATSAPP,
        provider=Provider.META_WHATSAPP,
        address="109876543210",
        secrets={
            "app_secret": "demo-app-secret",
            "verify_token": "demo-verify-token",
            "access_token": "demo-access-token",
        },
    ),
    dict(
        slug="telepon-parepare",
        name="Telepon 0811-428-227",
        channel=Channel.PHONE,
        provider=Provider.TWILIO_VOICE,
        address="+62811428227",
        secrets={"account_sid": "AC00000000000000000000000000000000", "auth_token": "demo-auth-token"},
    ),
    dict(
        slug="fb-parepare",
        name="Facebook Disdukcapil Parepare",
        channel=Channel.FACEBOOK,
        provider=Provider.MESSENGER,
        address="104857600000001",
        secrets={
            "app_secret": "demo-app-secret",
            "verify_token": "demo-verify-token",
            "page_access_token": "demo-page-token",
        },
    ),
    dict(
        slug="email-parepare",
        name="Email Curhat Adminduk",
        channel=Channel.EMAIL,
        provider=Provider.EMAIL_IMAP,
        address="curhat.adminduk.parepare@example.org",
        is_active=False,
        config={"host": "imap.example.org", "port": 993, "ssl": True, "folder": "INBOX"},
    ),
    dict(
        slug="website",
        name="Formulir website",
        channel=Channel.WEBSITE,
        provider=Provider.WEBSITE,
        address="",
    ),
    dict(
        slug="dicatat-operator",
        name="Dicatat operator",
        channel=Channel.WHATSAPP_CALL,
        provider=Provider.OPERATOR,
        address="",
    ),
]

# (channel, topic, citizen messages, operator answers, escalate-to department or "")


def ensure_demo_users() -> dict[str, User]:
    user_model = get_user_model()
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        user, _created = user_model.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": True,
                "email": f"{spec.username}@example.org",
            },
        )
        user.set_password(spec.password)
        # Only admins enter the Django admin (configuration); operators and officials use the app.
        user.is_superuser = user.is_staff = spec.role == ROLE_ADMIN
        user.save()
        user.groups.add(Group.objects.get(name=spec.role))
        if spec.role == ROLE_OFFICIAL:
            official, _ = Official.objects.get_or_create(user=user, defaults={"title": spec.title})
            department = Department.objects.get(code=spec.department)
            official.departments.add(department)
            if department.default_official_id is None:
                department.default_official = official
                department.save(update_fields=["default_official"])
        users[spec.username] = user
    return users


def ensure_demo_accounts() -> dict[str, ChannelAccount]:
    accounts = {}
    for spec in DEMO_ACCOUNTS:
        values = dict(spec)
        slug = values.pop("slug")
        account, _ = ChannelAccount.objects.get_or_create(slug=slug, defaults=values)
        accounts[account.channel] = account
    return accounts
