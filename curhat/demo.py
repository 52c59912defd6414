"""Demo data for the embedded default: an office with staff and a few dozen realistic consultations.

Everything goes through the same services as real traffic (ticket_ingest), so the demo inbox shows
what production shows. Only for demos and local development: the accounts have known passwords.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from channels.models import ChannelAccount, Provider
from officials.models import Escalation
from tickets.inbound import InboundMessage, Sender
from tickets.ingest import ticket_ingest
from tickets.models import Channel, Department, Message, Official, Ticket, Topic
from tickets.reference_data import ROLE_ADMIN, ROLE_OFFICIAL, ROLE_OPERATOR, reference_data_seed


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
DEMO_ACCOUNTS = [
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
CONVERSATIONS = [
    (
        Channel.WHATSAPP,
        "kk",
        [
            "Assalamualaikum, mau tanya syarat bikin KK baru setelah menikah apa saja?",
            "Buku nikahnya sudah ada, tapi KK lama masih ikut orang tua",
        ],
        [
            "Waalaikumsalam. Syarat KK baru setelah menikah: buku nikah/akta perkawinan dan KK lama kedua belah pihak. "
            "Formulir F-1.02 diisi di kantor. Semua layanan gratis."
        ],
        "",
    ),
    (
        Channel.WHATSAPP,
        "akta-kelahiran",
        [
            "Selamat pagi, anak saya lahir 3 bulan lalu, bisa urus akte lahir? "
            "Surat keterangan lahir dari puskesmas ada."
        ],
        ["Selamat pagi. Bisa, Bu. Bawa surat keterangan kelahiran, buku nikah, KK, dan isi formulir F-2.01."],
        "",
    ),
    (
        Channel.WHATSAPP,
        "ktp-el",
        ["ktp saya hilang di pasar, harus bawa apa ke kantor?"],
        ["Bawa surat keterangan kehilangan dari kepolisian dan KK asli, Pak."],
        "",
    ),
    (
        Channel.WHATSAPP,
        "pindah",
        ["Mau pindah ke Makassar, surat pindahnya diurus di mana?", "Sekeluarga pindah, 4 orang"],
        ["Surat pindah (SKPWNI) diurus di Disdukcapil Parepare dengan formulir F-1.03 dan fotokopi KK."],
        "",
    ),
    (
        Channel.WHATSAPP,
        "nik-data",
        ["NIK saya tidak terdaftar di BPJS, katanya harus ke dukcapil. NIK 7372014507900001"],
        [],
        "piak",
    ),
    (
        Channel.WHATSAPP,
        "kia",
        ["Syarat KIA untuk anak umur 7 tahun apa saja ya?"],
        [
            "Fotokopi akta kelahiran (tunjukkan aslinya), KK asli orang tua, KTP-el kedua orang tua, "
            "dan pas foto berwarna 2x3 dua lembar."
        ],
        "",
    ),
    (
        Channel.WHATSAPP,
        "akta-kematian",
        ["Bapak saya meninggal minggu lalu, bagaimana urus akta kematian?"],
        [
            "Turut berduka cita. Bawa surat keterangan kematian dari dokter atau lurah, fotokopi KK dan KTP almarhum."
        ],
        "",
    ),
    (
        Channel.WHATSAPP,
        "perubahan-data",
        ["Mau ubah status pekerjaan di KK dari pelajar jadi karyawan swasta"],
        ["Bawa KK lama, surat keterangan kerja/SK, dan isi formulir F-1.06."],
        "",
    ),
    (Channel.WHATSAPP, "ikd", ["Cara aktivasi IKD bagaimana? Aplikasinya sudah saya install"], [], "piak"),
    (
        Channel.WHATSAPP,
        "akta-kelahiran",
        ["Akta kelahiran anak saya salah nama ibunya, bisa dibetulkan?"],
        [],
        "capil",
    ),
    (
        Channel.WHATSAPP,
        "kk",
        ["KK saya rusak kena banjir, bisa cetak ulang?"],
        ["Bisa. Bawa KK yang rusak dan KTP-el kepala keluarga. Tidak perlu surat pengantar RT/RW."],
        "",
    ),
    (
        Channel.WHATSAPP,
        "pemanfaatan-data",
        ["Bank minta verifikasi data kependudukan tapi selalu gagal, kenapa?"],
        [],
        "pdip",
    ),
    (
        Channel.WHATSAPP_CALL,
        "ktp-el",
        ["Panggilan WhatsApp: menanyakan jadwal perekaman KTP-el untuk anak yang baru 17 tahun."],
        [],
        "",
    ),
    (
        Channel.WHATSAPP_CALL,
        "pindah",
        ["Panggilan WhatsApp: warga datang dari Pinrang, menanyakan syarat pindah datang."],
        [],
        "",
    ),
    (
        Channel.PHONE,
        "akta-kelahiran",
        ["Telepon: menanyakan apakah akta kelahiran terlambat perlu penetapan pengadilan."],
        [],
        "",
    ),
    (Channel.PHONE, "kk", ["Telepon: numpang KK di rumah saudara, apa syaratnya?"], [], ""),
    (Channel.PHONE, "lainnya", ["Telepon: menanyakan jam pelayanan hari Sabtu."], [], ""),
    (
        Channel.EMAIL,
        "akta-kematian",
        [
            "Yth. Disdukcapil, saya tinggal di Balikpapan dan ingin mengurus akta "
            "kematian ibu saya yang meninggal di Parepare. Apakah bisa diwakilkan?"
        ],
        [
            "Bisa diwakilkan oleh anggota keluarga. Lampirkan surat keterangan kematian, KK dan KTP almarhumah."
        ],
        "",
    ),
    (
        Channel.EMAIL,
        "nik-data",
        ["Mohon bantuan, NIK anak saya terdeteksi ganda saat daftar sekolah."],
        [],
        "piak",
    ),
    (
        Channel.EMAIL,
        "pengaduan",
        ["Saya ingin menyampaikan keluhan antrean yang panjang minggu lalu."],
        [],
        "sekretariat",
    ),
    (
        Channel.FACEBOOK,
        "ktp-el",
        ["min, ktp el saya sudah direkam tahun lalu tapi belum jadi, gimana ya?"],
        ["Silakan kirim NIK lewat pesan ini, kami cek status pencetakannya."],
        "",
    ),
    (
        Channel.FACEBOOK,
        "kk",
        ["Halo admin, bikin kk baru bisa online?"],
        ["Bisa diajukan lewat WhatsApp 0811-415-227 dengan mengirim foto dokumen persyaratan."],
        "",
    ),
    (
        Channel.WEBSITE,
        "akta-kelahiran",
        ["Anak saya lahir di Malaysia, bagaimana pencatatan kelahirannya di Parepare?"],
        [],
        "capil",
    ),
    (
        Channel.WEBSITE,
        "pindah",
        ["Saya mau pindah dari Parepare ke Sidrap, apakah KTP lama ditarik?"],
        ["KTP-el tidak ditarik di daerah asal; ditarik dan diganti oleh Disdukcapil tujuan."],
        "",
    ),
    (
        Channel.WEBSITE,
        "perkawinan-perceraian",
        ["Pencatatan perkawinan non-muslim di Disdukcapil syaratnya apa?"],
        [],
        "capil",
    ),
]

CITIZENS = [
    ("Rahmawati", "081241110001"),
    ("Muh. Ilham", "081342220002"),
    ("Sitti Nurhaliza", "085255550003"),
    ("Andi Baso Tenri", "082193330004"),
    ("Hj. Faridah", "081355560005"),
    ("Ridwan Saleh", "085342220006"),
    ("Nur Aisyah", "081244470007"),
    ("Syamsuddin", "082347770008"),
    ("Indah Sari", "081354440009"),
    ("Ahmad Fauzi", "085299990010"),
    ("Hasmawati", "081245550011"),
    ("Irwan", "082190000012"),
]


def _ensure_users() -> dict[str, object]:
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, _created = User.objects.get_or_create(
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


def _ensure_accounts() -> dict[str, ChannelAccount]:
    accounts = {}
    for spec in DEMO_ACCOUNTS:
        values = dict(spec)
        slug = values.pop("slug")
        account, _ = ChannelAccount.objects.get_or_create(slug=slug, defaults=values)
        accounts[account.channel] = account
    return accounts


def _sender_for(channel: str, index: int, phone: str) -> Sender:
    name = CITIZENS[index % len(CITIZENS)][0]
    if channel == Channel.EMAIL:
        local = slugify(name).replace("-", ".")
        return Sender("email", f"{local}@example.com", name)
    if channel == Channel.FACEBOOK:
        return Sender("facebook_psid", f"{6200000000000000 + index}", name)
    return Sender("phone", phone, name)


PROVIDER_OF = {
    Channel.WHATSAPP: Provider.META_WHATSAPP,
    Channel.WHATSAPP_CALL: Provider.OPERATOR,
    Channel.PHONE: Provider.TWILIO_VOICE,
    Channel.EMAIL: Provider.EMAIL_IMAP,
    Channel.FACEBOOK: Provider.MESSENGER,
    Channel.WEBSITE: Provider.WEBSITE,
}


@transaction.atomic
def demo_data_seed(*, rounds: int = 2, seed: int = 2020) -> dict[str, int]:
    """Create demo staff, channel accounts and ``rounds`` × the demo conversations (idempotent users)."""
    reference_data_seed()
    from tickets.knowledge.entries import knowledge_seed

    knowledge_seed()
    users = _ensure_users()
    accounts = _ensure_accounts()
    rng = random.Random(seed)
    operators = [users["operator"], users["operator2"]]
    now = timezone.now()
    topics = {t.code: t for t in Topic.objects.select_related("department")}
    created = 0
    for round_no in range(rounds):
        for index, (channel, topic_code, questions, answers, escalate_to) in enumerate(CONVERSATIONS):
            citizen = (index + round_no * 5) % len(CITIZENS)
            phone = CITIZENS[citizen][1][:-2] + f"{round_no}{index % 10}"
            sender = _sender_for(channel, citizen + round_no * 100, phone)
            opened = now - dt.timedelta(days=rng.randint(0, 27) + round_no * 28, minutes=rng.randint(0, 600))
            opened = opened.replace(
                hour=rng.randint(0, 23) if channel == Channel.WHATSAPP else rng.randint(0, 7)
            )
            ticket = None
            when = opened
            for q_no, question in enumerate(questions):
                result = ticket_ingest(
                    message=InboundMessage(
                        channel=channel,
                        provider=PROVIDER_OF[channel],
                        provider_message_id=f"demo-{round_no}-{index}-{q_no}",
                        sender=sender,
                        timestamp=when,
                        text=question,
                        kind="call" if channel in (Channel.PHONE, Channel.WHATSAPP_CALL) else "text",
                        subject="Pertanyaan adminduk" if channel == Channel.EMAIL else "",
                        meta={"duration_seconds": rng.randint(60, 420)}
                        if channel in (Channel.PHONE, Channel.WHATSAPP_CALL)
                        else {},
                    ),
                    account=accounts.get(channel),
                )
                ticket = result.ticket
                created += result.ticket_created
                when += dt.timedelta(minutes=rng.randint(2, 30))
            assert ticket is not None
            topic = topics[topic_code]
            operator = operators[index % 2]
            ticket.topic = topic
            ticket.department = topic.department
            ticket.assignee = operator if (index + round_no) % 3 else None
            for answer in answers:
                when += dt.timedelta(minutes=rng.randint(3, 90))
                Message.objects.create(
                    ticket=ticket,
                    direction=Message.Direction.OUT,
                    channel=channel,
                    account=accounts.get(channel),
                    provider=PROVIDER_OF[channel],
                    provider_message_id=f"demo-out-{round_no}-{index}",
                    body=answer,
                    author=operator,
                    status=Message.Status.READ,
                    created_at=when,
                    sent_at=when,
                    delivered_at=when,
                    read_at=when,
                    attempts=1,
                )
                ticket.first_response_at = ticket.first_response_at or when
                ticket.status = Ticket.Status.ANSWERED
            if escalate_to:
                department = Department.objects.get(code=escalate_to)
                Message.objects.create(
                    ticket=ticket,
                    direction=Message.Direction.NOTE,
                    channel=channel,
                    author=operator,
                    body=f"Perlu jawaban {department.short_name}, diteruskan ke pejabat.",
                    status=Message.Status.RECEIVED,
                    created_at=when + dt.timedelta(minutes=5),
                )
                Escalation.objects.create(
                    ticket=ticket,
                    department=department,
                    official=department.default_official,
                    question=f"Mohon arahan untuk pertanyaan warga: {questions[0][:300]}",
                    requested_by=operator,
                    created_at=when + dt.timedelta(minutes=6),
                    due_at=when + dt.timedelta(days=3),
                )
                ticket.status = Ticket.Status.WAITING_OFFICIAL
            if round_no == 1 and ticket.status == Ticket.Status.ANSWERED and index % 2 == 0:
                ticket.status = Ticket.Status.RESOLVED
                ticket.resolved_at = when + dt.timedelta(hours=1)
            ticket.last_activity_at = max(ticket.last_activity_at, when)
            ticket.save()
    return {"tickets": created, "users": len(users)}
