"""System checks of the core's settings (run by ``check``, ``migrate`` and ``runserver``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
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
        return [
            Error(
                _("CURHAT_NIK_HASH_KEY tidak boleh sama dengan kunci rahasia."), hint=hint, id="tickets.E012"
            )
        ]
    if key == getattr(settings, "CURHAT_NIK_HASH_KEY_DEV_DEFAULT", None):
        return [
            Error(
                _("CURHAT_NIK_HASH_KEY adalah kunci pengembangan yang diterbitkan di pengaturan."),
                hint=hint,
                id="tickets.E013",
            )
        ]
    return []
