from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "civic311.privacy"
    verbose_name = "Privacy"
