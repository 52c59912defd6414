from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialsConfig(AppConfig):
    name = "officials"
    # The admin's section for escalations to officials (the officials themselves are the core's).
    verbose_name = _("Eskalasi ke pejabat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from officials import inbox, privacy

        inbox.register()  # the escalations on the inbox's ticket page, list filter and merges
        privacy.connect()  # erasure blanks escalation texts and history notes
