from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "officials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from officials import inbox, privacy

        inbox.register()  # the escalations on the inbox's ticket page, list filter and merges
        privacy.connect()  # erasure blanks escalation texts and history notes
