from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "Kanal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from tickets import accounts as core_accounts

        from . import accounts, checks, privacy, registry  # noqa: F401  (checks registers the secrets check)

        # The core finds accounts and senders through what the edge registers here (DESIGN §1).
        core_accounts.account_lookup_register(accounts.active_account)
        registry.senders_register()
        setting_changed.connect(registry.on_setting_changed, dispatch_uid="channels-senders")
        privacy.connect()  # erasure and retention reach the raw provider events
