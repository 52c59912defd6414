"""Civil records: birth and death certificates.

Fields: see the package's docstring."""

from __future__ import annotations

from .common import DENDA_UNCONFIRMED

CIVIL_RECORDS: list[dict] = [
    {
        "slug": "akta-kelahiran",
        "topic": "akta-kelahiran",
        "department": "capil",
        "title": "Akta kelahiran",
        "summary": "Pencatatan kelahiran dan penerbitan akta kelahiran, termasuk yang terlambat.",
        "checklist": [
            "Surat keterangan kelahiran dari rumah sakit, puskesmas, dokter, bidan, nakhoda/pilot, atau lurah",
            "Buku nikah / akta perkawinan orang tua, atau bukti sah lainnya",
            "KK",
            "Anak yang ditemukan: berita acara dari kepolisian",
            "Tidak ada surat keterangan kelahiran: isi F-2.03 (SPTJM kebenaran data kelahiran)",
            "Tidak ada bukti perkawinan: isi F-2.04 (SPTJM sebagai pasangan suami istri)",
        ],
        "forms": [
            "F-2.01 Pelaporan pencatatan sipil di dalam wilayah NKRI",
            "F-2.03 SPTJM kebenaran data kelahiran",
            "F-2.04 SPTJM kebenaran sebagai pasangan suami istri",
        ],
        "legal_basis": ["UU 23/2006 jo. UU 24/2013 Pasal 27", "Putusan MK 18/PUU-XI/2013"],
        "notes": [
            "Laporkan paling lambat 60 hari setelah kelahiran.",
            "Terlambat lebih dari 1 tahun tidak perlu lagi penetapan pengadilan.",
        ],
        "unconfirmed": DENDA_UNCONFIRMED,
        "primary": True,
        "phrases": [
            ("akta kelahiran", 4.0),
            ("kelahiran", 2.0),
            ("akta + anak", 1.5),
            ("akta + bayi", 2.0),
            ("bayi", 1.5),
            ("lahir", 1.5),
            ("melahirkan", 2.0),
            ("surat keterangan lahir", 2.0),
            ("bidan", 1.5),
            ("akta + terlambat", 1.0),
        ],
    },
    {
        "slug": "akta-kematian",
        "topic": "akta-kematian",
        "department": "capil",
        "title": "Akta kematian",
        "summary": "Pencatatan kematian dan penerbitan akta kematian.",
        "checklist": [
            "Fotokopi surat keterangan kematian dari dokter atau kepala desa/lurah",
            "Bila tidak ada: surat kepolisian (tak dikenal), penetapan pengadilan (hilang), keterangan maskapai, atau surat perwakilan RI (di luar negeri)",
            "Fotokopi KK dan KTP-el almarhum/almarhumah",
            "WNI bukan penduduk atau orang asing: dokumen perjalanan",
        ],
        "forms": ["F-2.01 Pelaporan pencatatan sipil di dalam wilayah NKRI"],
        "legal_basis": ["UU 24/2013 Pasal 44"],
        "notes": [
            "Yang melapor boleh anggota keluarga mana pun, termasuk ketua RT.",
            "Laporkan paling lambat 30 hari setelah kematian.",
        ],
        "unconfirmed": DENDA_UNCONFIRMED,
        "primary": True,
        "phrases": [
            ("akta kematian", 4.0),
            ("jenazah", 2.0),
            ("kematian", 2.5),
            ("meninggal", 2.0),
            ("akta + meninggal", 2.0),
            ("surat keterangan kematian", 1.0),
        ],
    },
]
