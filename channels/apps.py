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

        from . import accounts, checks, privacy, registry  # noqa: F401  (checks registers the secrets check)
        from .items import item_handlers_register
        from .processing import ITEM_HANDLERS

        # The core finds accounts and senders through what the edge registers here (DESIGN §1).
        core_accounts.account_lookup_register(accounts.active_account)
        registry.senders_register()
        from django.db.models.signals import post_delete, post_save

        from .models import ChannelAccount
        from .webhooks import accounts_forget

        post_save.connect(accounts_forget, sender=ChannelAccount, dispatch_uid="channels-accounts-forget")
        post_delete.connect(accounts_forget, sender=ChannelAccount, dispatch_uid="channels-accounts-forget-d")
        setting_changed.connect(registry.on_setting_changed, dispatch_uid="channels-senders")
        # Item types added after processing's own table (identity changes): see channels.items.
        item_handlers_register(ITEM_HANDLERS)
        privacy.connect()  # erasure and retention reach the raw provider events
