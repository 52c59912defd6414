from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "tickets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets.privacy import signals  # noqa: F401  (permission changes are audit-logged)
        from tickets.refdata import connect_signals

        connect_signals()
