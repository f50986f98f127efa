from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = "Пользователи"

    def ready(self) -> None:
        from . import signals  # noqa: F401
