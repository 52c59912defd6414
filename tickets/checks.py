"""System checks of the core's settings (run by ``check``, ``migrate`` and ``runserver``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError
from django.utils.translation import gettext as _

MIN_NIK_HASH_KEY_LENGTH = 32


@register("security", deploy=False)
def nik_hash_key_check(app_configs=None, **kwargs) -> list[Error]:
    """Production needs its own NIK hash key: long, and not the secret key (tickets.privacy.nik)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    key = getattr(settings, "CURHAT_NIK_HASH_KEY", "")
    hint = _(
        "Isi CURHAT_NIK_HASH_KEY atau CURHAT_NIK_HASH_KEY_FILE dengan nilai acak minimal %(length)d karakter "
        "(mis. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`). Sesudahnya pindahkan hash "
        "yang sudah tersimpan ke kunci itu: peningkatan dari rilis sebelum CURHAT_NIK_HASH_KEY (hash dengan "
        "DJANGO_SECRET_KEY): `manage.py nik_rehash --old-key-is-secret-key`; mengganti kunci NIK yang ada: "
        "`manage.py nik_rehash --old-key-file FILE`."
    ) % {"length": MIN_NIK_HASH_KEY_LENGTH}
    if not key:
        return [Error(_("CURHAT_NIK_HASH_KEY belum diisi di produksi."), hint=hint, id="tickets.E010")]
    if len(key) < MIN_NIK_HASH_KEY_LENGTH:
        return [Error(_("CURHAT_NIK_HASH_KEY terlalu pendek."), hint=hint, id="tickets.E011")]
    if key == settings.SECRET_KEY:
        return [Error(_("CURHAT_NIK_HASH_KEY tidak boleh sama dengan kunci rahasia."), hint=hint, id="tickets.E012")]
    return []


@register("security")
def nik_hashes_key_check(app_configs=None, **kwargs) -> list[Error]:
    """The stored NIK/KK hashes must be under CURHAT_NIK_HASH_KEY: after an upgrade from a release that
    keyed them with SECRET_KEY, or a key change without nik_rehash, search and erasure by NIK miss
    every older ticket without a word (issue 18, outside test)."""
    if not getattr(settings, "CURHAT_NIK_HASH_KEY", ""):
        return []  # E010 says so
    from tickets.privacy.rekey import stored_key_state

    try:
        state = stored_key_state()
    except DatabaseError:
        return []  # before migrate (or the database down): nothing to compare yet
    if state == "ok":
        return []
    if state == "secret_key":
        hint = _(
            "Peningkatan dari rilis sebelum CURHAT_NIK_HASH_KEY: jalankan "
            "`manage.py nik_rehash --old-key-is-secret-key` (dengan DJANGO_SECRET_KEY yang lama)."
        )
    else:
        hint = _(
            "Jalankan `manage.py nik_rehash --old-key-file FILE` dengan kunci NIK lama di FILE (atau "
            "`--old-key-is-secret-key` bila hash dibuat dengan DJANGO_SECRET_KEY), atau pasang kembali "
            "CURHAT_NIK_HASH_KEY yang lama."
        )
    return [
        Error(
            _(
                "Hash NIK/KK yang tersimpan dibuat dengan kunci lain, bukan CURHAT_NIK_HASH_KEY: pencarian dan "
                "penghapusan data berdasarkan NIK tidak menemukan tiket lama."
            ),
            hint=hint,
            id="tickets.E013",
        )
    ]
