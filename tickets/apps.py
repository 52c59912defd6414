from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    # The admin's section for the core's models: consultations, the knowledge base, the audit log,
    # and the office itself (bidang, pejabat, hari libur).
    verbose_name = _("Layanan konsultasi")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets import checks  # noqa: F401  (registers the NIK hash key check)
        from tickets.inbox.selectors import reference  # noqa: F401  (registers its reference data loaders)
        from tickets.knowledge import entries  # noqa: F401  (registers the knowledge entries' loader)
        from tickets.privacy import (
            chain,  # noqa: F401  (registers the audit chain's system check)
            keycheck,  # noqa: F401  (registers the stored hashes' key check)
            signals,  # noqa: F401  (permission changes are audit-logged)
        )
        from tickets.refdata import connect_signals

        connect_signals()
