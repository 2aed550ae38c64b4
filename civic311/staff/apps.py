from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "civic311.staff"
    verbose_name = "Staff pages and roles"
