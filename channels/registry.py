"""The one provider registry: ``settings.CURHAT_CHANNEL_PROVIDERS`` lists provider packages by
dotted path; adding a provider is one package and one line there.

A package's ``__init__`` declares what it is: ``PROVIDER`` (the ``channels.models.Provider`` value and
the webhook URL segment; ``PROVIDERS`` when it serves several, e.g. e-mail over IMAP and ESPs),
``CHANNEL`` (the ``tickets.models.Channel`` it serves) and ``REQUIRED_SECRETS``. It has
``inbound.py`` (``verify`` and ``parse``) and/or ``outbound.py`` (a sender: the contract in
``tickets.relay.senders``).

Inbound modules are imported lazily, the first time their provider is asked for, so a listed
package that is not written yet (or fails to import) only disables that one provider instead of
the app. Outbound modules are registered as senders in the core's relay registry when the app
loads (:func:`senders_register`, from ``ChannelsConfig.ready``), for every provider value the
package declares, in the order of the setting (the order of preference on a channel); again when a
test overrides the setting.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from types import ModuleType

from django.conf import settings

from tickets.relay import senders as relay_senders

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


def provider_outbound(name: str) -> ModuleType | None:
    """The provider's ``outbound`` module (its sender), or None when it has none or is not available."""
    path = provider_paths().get(name)
    if path is None or provider_package(name) is None:
        return None
    return _import_optional(f"{path}.outbound")


def package_providers(package: ModuleType) -> tuple[str, ...]:
    """The ``Provider`` values a package serves (``PROVIDERS``, else its ``PROVIDER``)."""
    providers = tuple(getattr(package, "PROVIDERS", ()))
    provider = getattr(package, "PROVIDER", None)
    return providers or ((provider,) if provider else ())


def senders_register() -> None:
    """Fill the relay's registry: each configured package's ``outbound`` module is the sender for
    the providers it declares, on its ``CHANNEL``; a package without one sends nothing."""
    relay_senders.senders_clear()
    for name, package in available_packages().items():
        outbound = provider_outbound(name)
        if outbound is None:
            continue
        channel = getattr(package, "CHANNEL", None)
        if not channel:  # reported by the system check (channels.E002); the others still load
            logger.error("provider package %s declares no CHANNEL: it sends nothing", name)
            continue
        for provider in package_providers(package):
            relay_senders.sender_register(provider, outbound, channel=channel)


def package_problems(path: str) -> list[str]:
    """What keeps a listed provider package from serving, in words (empty: nothing). Loading
    tolerates these so one broken provider never stops the others; the system check shows them."""
    try:
        package = importlib.import_module(path)
    except Exception as exc:
        return [f"tidak dapat diimpor: {exc!r}"]
    problems = []
    if not package_providers(package):
        problems.append("tidak menyatakan PROVIDER atau PROVIDERS")
    if not getattr(package, "CHANNEL", None):
        problems.append("tidak menyatakan CHANNEL")
    for side in ("inbound", "outbound"):
        if importlib.util.find_spec(f"{path}.{side}") is None:
            continue
        try:
            importlib.import_module(f"{path}.{side}")
        except Exception as exc:
            problems.append(f"{side}.py tidak dapat diimpor: {exc!r}")
    return problems


def on_setting_changed(*, setting: str, **kwargs) -> None:
    """Tests override ``CURHAT_CHANNEL_PROVIDERS``: the senders follow (and back at the end)."""
    if setting == "CURHAT_CHANNEL_PROVIDERS":
        senders_register()
