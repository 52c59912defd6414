from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "officials"
    default_auto_field = "django.db.models.BigAutoField"
