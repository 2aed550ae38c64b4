from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "civic311.contacts"
    verbose_name = "Constituents and contacts"
