"""Moving out and in (surat pindah, SKPWNI) and changing biodata.

Fields: see the package's docstring."""

from __future__ import annotations

from .common import PINDAH_UNCONFIRMED, SERVICE_TIME_GENERAL

MOVES_AND_DATA: list[dict] = [
    {
        "slug": "pindah-keluar",
        "topic": "pindah",
        "department": "dafduk",
        "title": "Pindah keluar (surat pindah / SKPWNI)",
        "summary": "Pindah alamat di dalam Kota Parepare, atau pindah ke kabupaten/kota lain.",
        "checklist": [
            "Formulir F-1.03 (Pendaftaran Perpindahan Penduduk)",
            "Fotokopi KK",
            "Anak di bawah 17 tahun pindah tanpa orang tua: surat kuasa pengasuhan dari orang tua/wali dan surat pernyataan kepala keluarga yang menerima",
        ],
        "forms": ["F-1.03 Pendaftaran Perpindahan Penduduk"],
        "legal_basis": [
            "Perpres 96/2018 Pasal 25 ayat (3)",
            "Permendagri 108/2019 Pasal 12",
            "UU 24/2013 Pasal 15",
        ],
        "notes": [
            "Pindah dalam Kota Parepare: Dinas menerbitkan KK baru dan mengganti KTP-el/KIA.",
            "Pindah ke kabupaten/kota lain: Anda menerima SKPWNI.",
            "KTP-el tidak ditarik di sini, tetapi oleh Dinas tujuan.",
            "Pindah berarti tinggal di alamat baru lebih dari 1 tahun (atau kurang bila perlu).",
        ],
        "unconfirmed": PINDAH_UNCONFIRMED,
        "primary": True,
        "phrases": [
            ("pindah + keluar", 2.0),
            ("pindah + ke", 0.5),
            ("keluar + kota", 1.0),
            ("keluar + parepare", 2.0),
        ],
    },
    {
        "slug": "pindah-datang",
        "topic": "pindah",
        "department": "dafduk",
        "title": "Pindah datang ke Parepare",
        "summary": "Tercatat sebagai penduduk Parepare setelah pindah dari daerah lain.",
        "checklist": [
            "SKPWNI dari Dinas daerah asal",
            "Surat pernyataan tidak keberatan dari pemilik rumah bila menumpang KK atau menyewa/kos",
            "Anak di bawah 17 tahun tanpa orang tua: surat kuasa pengasuhan dan surat pernyataan kepala keluarga yang menerima",
        ],
        "forms": ["F-1.03 Pendaftaran Perpindahan Penduduk"],
        "legal_basis": ["Perpres 96/2018", "Permendagri 108/2019 Pasal 12", "UU 24/2013 Pasal 15"],
        "notes": ["Dinas menerbitkan KK baru dan KTP-el baru; KTP-el lama ditarik."],
        "unconfirmed": PINDAH_UNCONFIRMED,
        "phrases": [
            ("pindah + datang", 2.5),
            ("ke parepare", 1.5),
            ("pindahan + dari", 1.5),
            ("datang + dari", 1.5),
            ("pindah + masuk", 2.0),
            ("skpwni + dari", 1.5),
        ],
    },
    {
        "slug": "perubahan-biodata",
        "service_time": SERVICE_TIME_GENERAL,
        "topic": "perubahan-data",
        "department": "dafduk",
        "title": "Perubahan biodata (pendidikan, pekerjaan, status, nama)",
        "summary": "Memperbarui elemen data kependudukan di database (biodata).",
        "checklist": [
            "Formulir F-1.06 yang sudah diisi",
            "Bukti perubahan: ijazah (pendidikan), buku nikah/akta cerai (status perkawinan), SK kerja (pekerjaan), dll.",
        ],
        "forms": ["F-1.06 Perubahan elemen data kependudukan", "F-1.01 Biodata"],
        "legal_basis": ["Permendagri 108/2019 Pasal 15"],
        "notes": ["Ganti nama memerlukan penetapan pengadilan negeri dan ditangani Bidang Pencatatan Sipil."],
        "unconfirmed": "Ganti nama lewat penetapan pengadilan dan ditangani Capil: sumber [M] (domain.md §2).",
        "primary": True,
        "phrases": [
            ("biodata", 3.0),
            ("*ubah* + data", 2.0),
            ("update + data", 1.5),
            ("pekerjaan", 1.5),
            ("pendidikan", 1.5),
            ("ijazah", 1.5),
            ("gelar", 2.0),
            ("ganti + nama", 2.0),
            ("nama + salah", 1.5),
            ("agama", 1.5),
            ("status + perkawinan", 1.5),
            ("golongan darah", 2.0),
            ("tanggal lahir", 1.5),
            ("data + salah", 1.0),
        ],
    },
]
