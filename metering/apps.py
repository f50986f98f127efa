from django.apps import AppConfig


class MeteringConfig(AppConfig):
    name = "metering"
    verbose_name = "Приборы учёта и показания"

    def ready(self) -> None:
        from . import signals  # noqa: F401
