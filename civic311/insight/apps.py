from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "civic311.insight"
    verbose_name = "Neighborhood insight"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()
