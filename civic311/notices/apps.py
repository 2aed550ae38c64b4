from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "civic311.notices"
    verbose_name = "Notices: subscriptions, announcements and the outbox"
