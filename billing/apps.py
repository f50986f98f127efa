from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Тарифы и расчёты"

    def ready(self) -> None:
        from . import signals  # noqa: F401
