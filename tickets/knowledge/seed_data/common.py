"""Texts every service shares (fee, service time, general notes) and the open points (domain.md §8)."""

from __future__ import annotations

FEE = "Gratis, tidak dipungut biaya (UU 24/2013 Pasal 79A)"
SERVICE_TIME = (
    "Target 1 jam di kantor Dinas bila berkas lengkap (Permendagri 19/2018).\n"
    "Paling lama 2 hari kerja (standar nasional untuk kota di bawah 500 ribu penduduk)."
)
# Permendagri 19/2018's 1-hour target names KK, KTP-el, akta kelahiran/kematian/perkawinan and surat
# pindah only; other services get the national 2-day standard alone.
SERVICE_TIME_GENERAL = "Paling lama 2 hari kerja (standar nasional untuk kota di bawah 500 ribu penduduk)."
GENERAL_NOTES = [
    "Tidak perlu surat pengantar RT/RW/kelurahan (Perpres 96/2018).",
    "Datang langsung: bawa fotokopi dan tunjukkan dokumen aslinya.",
    "Layanan online: unggah hasil pindai (scan) dokumen asli.",
]
PINDAH_UNCONFIRMED = (
    "Pengertian pindah (tinggal di alamat baru lebih dari 1 tahun) bersumber [M]; "
    "masa berlaku SKPWNI (satu sumber: 30 hari) belum pasti (domain.md §2, §8)."
)
DENDA_UNCONFIRMED = (
    "Ada/tidaknya denda keterlambatan menurut Perda Kota Parepare belum dipastikan (domain.md §2, §8)."
)
