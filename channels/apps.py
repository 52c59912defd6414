from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    label = "channels"
    verbose_name = "Kanal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the secrets check)
