from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civic311.open311"
    verbose_name = "Open311 API"

    def ready(self) -> None:
        from . import answer_cache

        answer_cache.connect()
