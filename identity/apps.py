from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Пользователи"

    def ready(self) -> None:
        from . import signals  # noqa: F401


class BackofficeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin whose default site asks staff with TOTP switched on for their code."""

    default = False  # named in INSTALLED_APPS; "identity" itself stays IdentityConfig
    default_site = "identity.backoffice.BackofficeSite"
