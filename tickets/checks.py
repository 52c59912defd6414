"""System checks of the core's settings (run by ``check``, ``migrate`` and ``runserver``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

MIN_NIK_HASH_KEY_LENGTH = 32


@register("security", deploy=False)
def nik_hash_key_check(app_configs=None, **kwargs) -> list[Error]:
    """Production needs its own NIK hash key: long, and not the secret key (tickets.privacy.nik)."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    key = getattr(settings, "CURHAT_NIK_HASH_KEY", "")
    hint = (
        "Set CURHAT_NIK_HASH_KEY or CURHAT_NIK_HASH_KEY_FILE to a random value of at least "
        f"{MIN_NIK_HASH_KEY_LENGTH} characters (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`). "
        "When changing an existing key, run `manage.py nik_rehash --old-key-file FILE`."
    )
    if not key:
        return [Error("CURHAT_NIK_HASH_KEY is not set in production.", hint=hint, id="tickets.E010")]
    if len(key) < MIN_NIK_HASH_KEY_LENGTH:
        return [Error("CURHAT_NIK_HASH_KEY is too short.", hint=hint, id="tickets.E011")]
    if key == settings.SECRET_KEY:
        return [Error("CURHAT_NIK_HASH_KEY must not be the secret key.", hint=hint, id="tickets.E012")]
    if key == getattr(settings, "CURHAT_NIK_HASH_KEY_DEV_DEFAULT", None):
        return [
            Error(
                "CURHAT_NIK_HASH_KEY is the development key published in the settings.",
                hint=hint,
                id="tickets.E013",
            )
        ]
    return []
