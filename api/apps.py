from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import schema, signals  # noqa: F401  (OpenAPI extensions; cached tokens follow their user)
