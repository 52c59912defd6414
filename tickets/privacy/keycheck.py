"""System check tickets.E014: the stored NIK/KK hashes are under CURHAT_NIK_HASH_KEY (tickets.privacy.rekey
tells which key made them)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError
from django.utils.translation import gettext as _

from tickets.privacy.rekey import stored_key_state


@register("security")
def nik_hashes_key_check(app_configs=None, **kwargs) -> list[Error]:
    """The stored NIK/KK hashes must be under CURHAT_NIK_HASH_KEY: after an upgrade from a release that
    keyed them with SECRET_KEY, or a key change without nik_rehash, search and erasure by NIK miss
    every older ticket without a word (issue 18, outside test)."""
    if not getattr(settings, "CURHAT_NIK_HASH_KEY", ""):
        return []  # E010 says so
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
            id="tickets.E014",
        )
    ]
