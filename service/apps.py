from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "service"
    verbose_name = "Обращения и FAQ"

    def ready(self) -> None:
        from . import checks  # noqa: F401
