"""The digital population identity (IKD).

Fields: see the package's docstring."""

from __future__ import annotations

from .common import SERVICE_TIME_GENERAL

DIGITAL_ID: list[dict] = [
    {
        "slug": "ikd",
        "service_time": SERVICE_TIME_GENERAL,
        "topic": "ikd",
        "department": "piak",
        "title": "Identitas Kependudukan Digital (IKD)",
        "summary": "Aktivasi KTP digital (aplikasi IKD) di HP.",
        "checklist": [
            "KTP-el sudah terbit, atau minimal sudah perekaman",
            "HP Android atau iOS dengan internet",
            "Alamat email dan nomor HP yang aktif",
        ],
        "forms": [],
        "legal_basis": ["Permendagri 72/2022"],
        "notes": [
            "Langkah: pasang aplikasi IKD, isi NIK, email dan nomor HP.",
            "Verifikasi wajah (swafoto), lalu pindai kode QR di depan petugas Dukcapil.",
            "Kode aktivasi dikirim ke email; masukkan bersama captcha, lalu buat PIN.",
        ],
        "unconfirmed": "Satu sumber menyebut aktivasi mandiri (tanpa petugas) sejak 20 Des 2023; sumber lain mewajibkan pindai QR di depan petugas (domain.md §2).",
        "primary": True,
        "phrases": [
            ("ikd", 4.5),
            ("aktivasi", 2.0),
            ("kode qr", 1.5),
            ("qr", 1.0),
            ("aplikasi", 1.0),
            ("swafoto", 1.5),
            ("selfie", 1.5),
            ("pin", 1.0),
            ("kode aktivasi", 1.0),
        ],
    },
]
