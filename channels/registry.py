"""Which provider packages exist: ``settings.CURHAT_CHANNEL_PROVIDERS`` lists them by dotted path.

Each package is imported lazily, the first time its provider is asked for, so a listed package
that is not written yet (or fails to import) only disables that one provider instead of the app.
A package's ``__init__`` declares ``PROVIDER`` (the ``channels.models.Provider`` value and the
webhook URL segment), ``CHANNEL`` and ``REQUIRED_SECRETS``; ``inbound.py`` offers ``verify`` and
``parse``.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from django.conf import settings

logger = logging.getLogger(__name__)

_packages: dict[str, ModuleType | None] = {}
_inbound: dict[str, ModuleType | None] = {}


def _import_optional(dotted: str) -> ModuleType | None:
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        # Only "this package does not exist (yet)" is tolerated; a missing dependency *inside* an
        # existing package is a real bug and is logged loudly.
        if exc.name and dotted.startswith(exc.name):
            return None
        logger.exception("provider module %s could not be imported", dotted)
        return None
    except Exception:
        logger.exception("provider module %s could not be imported", dotted)
        return None


def provider_paths() -> dict[str, str]:
    """URL name (last path segment) → dotted package path, as configured."""
    return {path.rsplit(".", 1)[-1]: path for path in settings.CURHAT_CHANNEL_PROVIDERS}


def provider_package(name: str) -> ModuleType | None:
    path = provider_paths().get(name)
    if path is None:
        return None
    if path not in _packages:
        _packages[path] = _import_optional(path)
    return _packages[path]


def provider_inbound(name: str) -> ModuleType | None:
    """The provider's ``inbound`` module, or None when it is not configured or not available."""
    path = provider_paths().get(name)
    if path is None or provider_package(name) is None:
        return None
    if path not in _inbound:
        _inbound[path] = _import_optional(f"{path}.inbound")
    return _inbound[path]


def inbound_for_provider(provider: str) -> ModuleType | None:
    """The inbound module handling events stored with ``InboundEvent.provider == provider``: the
    package of that name, else the package declaring it (``PROVIDER`` or ``PROVIDERS``), else the
    package named by its first word (``email_imap`` → ``email``)."""
    if provider in provider_paths():
        return provider_inbound(provider)
    for name, module in available_packages().items():
        if provider == getattr(module, "PROVIDER", None) or provider in getattr(module, "PROVIDERS", ()):
            return provider_inbound(name)
    return provider_inbound(provider.split("_", 1)[0])


def available_packages() -> dict[str, ModuleType]:
    """Every configured package that imports, by URL name."""
    loaded = {name: provider_package(name) for name in provider_paths()}
    return {name: module for name, module in loaded.items() if module is not None}


def required_secrets() -> dict[str, tuple[str, ...]]:
    """``Provider`` value → secrets an active account of it must have (for the system check)."""
    found: dict[str, tuple[str, ...]] = {}
    for module in available_packages().values():
        provider = getattr(module, "PROVIDER", None)
        if provider:
            found[provider] = tuple(getattr(module, "REQUIRED_SECRETS", ()))
    return found
