from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "civic311.audit"
    verbose_name = "Audit trail"
