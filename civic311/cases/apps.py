from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civic311.cases"
    verbose_name = "Service requests"
