"""Who may see and do what in the staff pages: plain functions of a user and a case or
department, so that every view and test asks the same question the same way.

The rules (docs/staff.md explains them for people):

- **administrator** (or a Django superuser): every case of every department, every action,
  and the configuration (the admin site).
- **supervisor**: the cases of their department; works them like department staff, and
  also reassigns (assigns to anyone or any queue of the department, bulk assign, bulk
  close) and watches the department's SLAs.
- **department staff**: the cases of their department; works them (status, notes, take a
  case, transfer a misrouted case with a reason, duplicates, linked work items). They may
  also read, not work, the other cases of a linked family (the shared parent and its work
  items) one of whose cases is in their department, so departments working one problem
  see each other's progress.
- **agent** (contact center): reads every case city-wide and adds notes (a resident
  called about it); works no department queue: no status change, assignment, transfer or
  bulk action.
- anyone else, logged in or not, sees nothing.

The reporter's name and contact details are shown only to roles that talk to residents
or answer for the case: agents, the department's supervisor and administrators.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import Department

from .models import StaffProfile

User = AbstractBaseUser | AnonymousUser
Role = StaffProfile.Role
DEPARTMENT_ROLES = (Role.DEPARTMENT_STAFF, Role.SUPERVISOR)
_CACHE = "_civic311_staff_profile"


def profile_of(user: User) -> StaffProfile | None:
    """The user's staff profile (an administrator's for superusers without one), looked up
    once per user object; None for anyone without a staff role."""
    if not user.is_authenticated or not user.is_active:
        return None
    if hasattr(user, _CACHE):
        cached: StaffProfile | None = getattr(user, _CACHE)
        return cached
    profile = StaffProfile.objects.select_related("department").filter(user_id=user.pk).first()
    if profile is None and getattr(user, "is_superuser", False):
        profile = StaffProfile(user_id=user.pk, role=Role.ADMINISTRATOR)
    setattr(user, _CACHE, profile)
    return profile


def role_of(user: User) -> str | None:
    profile = profile_of(user)
    return profile.role if profile is not None else None


def department_id_of(user: User) -> int | None:
    """The department of a department role (staff, supervisor); None for the others."""
    profile = profile_of(user)
    if profile is None or profile.role not in DEPARTMENT_ROLES:
        return None
    return profile.department_id


def is_staff_member(user: User) -> bool:
    return profile_of(user) is not None


def sees_all_departments(user: User) -> bool:
    return role_of(user) in (Role.AGENT, Role.ADMINISTRATOR)


def visible_requests(user: User) -> QuerySet[ServiceRequest]:
    """The cases the user's queue pages list: all for agents and administrators, their
    department's for department roles, none for anyone else."""
    role = role_of(user)
    if role in (Role.AGENT, Role.ADMINISTRATOR):
        return ServiceRequest.objects.all()
    department_id = department_id_of(user)
    if department_id is not None:
        return ServiceRequest.objects.filter(department_id=department_id)
    return ServiceRequest.objects.none()


def can_view_department(user: User, department: Department) -> bool:
    return sees_all_departments(user) or department_id_of(user) == department.pk


def can_view_request(user: User, request: ServiceRequest) -> bool:
    """Whether the user may open the case page (see the module's rules)."""
    if sees_all_departments(user):
        return True
    department_id = department_id_of(user)
    if department_id is None:
        return False
    if request.department_id == department_id:
        return True
    # The linked family: the parent and its work items, read-only.
    root_id = request.parent_id or request.pk
    return ServiceRequest.objects.filter(Q(pk=root_id) | Q(parent_id=root_id), department_id=department_id).exists()


def can_work(user: User, request: ServiceRequest) -> bool:
    """Whether the user may change the case: status, take it, transfer it, duplicates,
    linked work items, notes."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    return role in DEPARTMENT_ROLES and request.department_id is not None and (
        request.department_id == department_id_of(user)
    )


def can_add_note(user: User, request: ServiceRequest) -> bool:
    """Agents note what a resident told them on any case; workers note on their own."""
    return role_of(user) == Role.AGENT or can_work(user, request)


def can_reassign(user: User, department: Department | None) -> bool:
    """Whether the user may assign the department's cases to anyone or any queue, and act
    on many cases at once (bulk assign, bulk close)."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    return role == Role.SUPERVISOR and department is not None and department.pk == department_id_of(user)


def can_take(user: User, request: ServiceRequest) -> bool:
    """Department staff may assign a case of their department to themselves."""
    return can_work(user, request)


def can_view_reporter(user: User, request: ServiceRequest) -> bool:
    """The reporter's name and contact details: agents, the department's supervisor and
    administrators; department staff work the case without them."""
    role = role_of(user)
    if role in (Role.AGENT, Role.ADMINISTRATOR):
        return True
    return role == Role.SUPERVISOR and request.department_id == department_id_of(user)


def can_view_sla(user: User, department: Department | None = None) -> bool:
    """The SLA page: administrators (any department), supervisors (their own)."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return True
    if role != Role.SUPERVISOR:
        return False
    return department is None or department.pk == department_id_of(user)


def can_configure(user: User) -> bool:
    """Catalog, routing rules, SLA targets, staff roles: administrators only."""
    return role_of(user) == Role.ADMINISTRATOR
