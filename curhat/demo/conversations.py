"""The demo consultations and the citizens who ask them (realistic, invented)."""

from __future__ import annotations

from tickets.models import Channel

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
