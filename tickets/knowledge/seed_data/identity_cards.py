"""Identity cards: KTP-el (recording, lost or damaged, changed data) and the child's card (KIA).

Fields: see the package's docstring."""

from __future__ import annotations

from .common import SERVICE_TIME_GENERAL

IDENTITY_CARDS: list[dict] = [
    {
        "slug": "ktp-el-perekaman",
        "topic": "ktp-el",
        "department": "dafduk",
        "title": "KTP-el baru / perekaman",
        "summary": "Perekaman dan penerbitan KTP-el pertama kali (usia 17 tahun atau sudah menikah).",
        "checklist": [
            "Berusia 17 tahun atau lebih, atau sudah/pernah kawin",
            "KK",
            "Datang sendiri untuk perekaman: foto, sidik jari, iris mata, tanda tangan",
        ],
        "forms": ["F-1.02 Pendaftaran Peristiwa Kependudukan"],
        "legal_basis": [
            "Perpres 96/2018 Pasal 15",
            "Permendagri 108/2019 Pasal 20",
            "UU 24/2013 Pasal 101 huruf c",
        ],
        "notes": [
            "KTP-el bisa diterbitkan di luar domisili, dan setelah pindah datang.",
            "KTP-el berlaku seumur hidup (juga kartu terbitan 2011).",
            "Tanggal cetak tidak dapat dijanjikan: bergantung pada status data di pusat dan stok blangko.",
        ],
        "primary": True,
        "phrases": [
            ("perekaman", 3.0),
            ("ktpel + buat", 1.0),
            ("ktpel + baru", 1.0),
            ("ktpel + pertama", 1.5),
            ("17 tahun", 2.0),
            ("ktpel + cetak", 1.0),
            ("ktpel + jadi", 1.0),
            ("ktpel + belum", 0.5),
            ("blangko", 2.5),
            ("sidik jari", 2.0),
            ("foto + ktpel", 1.0),
        ],
    },
    {
        "slug": "ktp-el-hilang-rusak",
        "topic": "ktp-el",
        "department": "dafduk",
        "title": "KTP-el hilang atau rusak",
        "summary": "Mengganti KTP-el yang hilang, rusak, atau patah.",
        "checklist": [
            "Surat keterangan kehilangan dari kepolisian (bila hilang) atau KTP-el yang rusak",
            "KK",
        ],
        "forms": [],
        "legal_basis": ["Perpres 96/2018", "Permendagri 108/2019"],
        "notes": [],
        "phrases": [
            ("ktpel + *hilang*", 3.5),
            ("ktpel + rusak", 3.5),
            ("ktpel + retak", 3.0),
            ("ktpel + tercuci", 3.0),
            ("ktpel + pudar", 2.5),
            ("ktpel + copot", 2.0),
            ("ktpel + dicuri", 3.0),
            ("ktpel + dompet", 1.5),
            ("fotokopi + ktpel", -1.5),
            ("chip", 1.5),
        ],
    },
    {
        "slug": "ktp-el-perubahan-data",
        "topic": "ktp-el",
        "department": "dafduk",
        "title": "KTP-el perubahan data",
        "summary": "Mengganti KTP-el karena data berubah (status, pekerjaan, alamat, nama, dll.).",
        "checklist": [
            "KK (yang sudah memuat data baru)",
            "KTP-el lama",
            "Bukti perubahan (mis. buku nikah, ijazah, SK kerja)",
        ],
        "forms": ["F-1.06 Perubahan elemen data kependudukan"],
        "legal_basis": ["Perpres 96/2018", "Permendagri 108/2019"],
        "notes": [],
        "phrases": [
            ("ktpel + *ubah*", 2.5),
            ("ktpel + salah", 2.5),
            ("ktpel + tidaksesuai", 2.0),
            ("ktpel + ganti", 1.0),
            ("ktpel + status", 1.5),
            ("ktpel + pekerjaan", 1.5),
            ("ktpel + alamat", 1.0),
            ("ktpel + update", 1.5),
        ],
    },
    {
        "slug": "kia",
        "service_time": SERVICE_TIME_GENERAL,
        "topic": "kia",
        "department": "dafduk",
        "title": "Kartu Identitas Anak (KIA)",
        "summary": "KIA untuk anak di bawah 17 tahun.",
        "checklist": [
            "Di bawah 5 tahun: fotokopi akta kelahiran (tunjukkan aslinya)",
            "KK asli orang tua/wali",
            "KTP-el asli kedua orang tua",
            "Usia 5 sampai di bawah 17 tahun: ditambah 2 lembar pas foto berwarna 2×3",
            "Anak warga asing: paspor/izin tinggal, KK, dan KTP-el orang tua",
        ],
        "forms": [],
        "legal_basis": ["Permendagri 2/2016 tentang Kartu Identitas Anak"],
        "notes": ["Bayi baru lahir mendapat KIA bersamaan dengan akta kelahirannya."],
        "unconfirmed": "Nomor formulir permohonan KIA belum dipastikan (domain.md §8).",
        "primary": True,
        "phrases": [("kia", 4.0), ("kartu + anak", 2.0), ("identitas + anak", 2.5)],
    },
]
