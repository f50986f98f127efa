from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = "Бэк-офис"

    def ready(self) -> None:
        from .roles import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="backoffice.sync_roles")
