"""Who a staff member is to Civic311: their role and, for department roles, their
department. The rules that follow from a role live in `access.py`."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civic311.catalog.models import Department


class StaffProfile(models.Model):
    class Role(models.TextChoices):
        AGENT = "agent", _("contact-center agent")
        DEPARTMENT_STAFF = "department_staff", _("department staff")
        SUPERVISOR = "supervisor", _("supervisor")
        ADMINISTRATOR = "administrator", _("administrator")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField(max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff",
        help_text=_("Required for department staff and supervisors; they see only this department's cases"),
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["department_staff", "supervisor"]) | models.Q(department__isnull=False),
                name="department_roles_have_a_department",
            )
        ]

    def __str__(self) -> str:
        where = f" ({self.department.code})" if self.department is not None else ""
        return f"{self.user.get_username()}: {self.get_role_display()}{where}"
