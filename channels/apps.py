from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = _("Kanal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from tickets import accounts as core_accounts

        from . import accounts, checks, registry  # noqa: F401  (checks registers the secrets check)

        # The core finds accounts and senders through what the edge registers here (DESIGN §1).
        core_accounts.account_lookup_register(accounts.active_account)
        registry.senders_register()
        setting_changed.connect(registry.on_setting_changed, dispatch_uid="channels-senders")
