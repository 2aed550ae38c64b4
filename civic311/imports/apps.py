from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "civic311.imports"
    verbose_name = "Imports"
