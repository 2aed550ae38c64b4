"""The staff neighborhood digest of early-warning alerts: a staff member follows some
neighborhoods and every new alert touching one of them reaches the account's e-mail (see
`alert_notices`), whichever department it concerns; followers may also read those alerts'
pages (registered with insight as a visibility hook, `alerts_followed_by`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civic311.audit.services import record_event
from civic311.places.models import District
from civic311.staff import access

from .models import NeighborhoodAlertFollower


class FollowRefused(ValueError):
    """The change is not allowed (the message says why, for the person)."""


def followed_districts(user: User) -> list[int]:
    return list(NeighborhoodAlertFollower.objects.filter(user=user).order_by("district_id")
                .values_list("district_id", flat=True))


@transaction.atomic
def set_followed(*, user: User, district_ids: Iterable[int]) -> list[int]:
    """Make `district_ids` (neighborhoods) exactly what `user` follows; audited. Returns them sorted."""
    if not access.is_staff_member(user):
        raise FollowRefused(_("Only staff members can follow a neighborhood's alerts."))
    wanted = set(District.objects.filter(pk__in=set(district_ids), layer__is_neighborhoods=True)
                 .values_list("pk", flat=True))
    if len(wanted) != len(set(district_ids)):
        raise FollowRefused(_("Choose neighborhoods from the list."))
    if wanted and not user.email.strip():
        # Following sends e-mail: without an address nothing would ever arrive.
        raise FollowRefused(_("Your account has no e-mail address, so no alert could reach you: ask an "
                              "administrator to add one, then choose the neighborhoods."))
    before = set(followed_districts(user))
    if wanted == before:
        return sorted(wanted)
    NeighborhoodAlertFollower.objects.filter(user=user, district_id__in=before - wanted).delete()
    now = timezone.now()
    NeighborhoodAlertFollower.objects.bulk_create(
        [NeighborhoodAlertFollower(user=user, district_id=pk, created_at=now) for pk in sorted(wanted - before)])
    record_event(action="alert_follow.changed", target=user, actor=user,
                 changes={"districts": [sorted(before), sorted(wanted)]})
    return sorted(wanted)


def followers(district_ids: Sequence[int]) -> list[User]:
    """Active staff members with an e-mail address who follow any of `district_ids`."""
    if not district_ids:
        return []
    followed = NeighborhoodAlertFollower.objects.filter(district_id__in=list(district_ids)).values("user_id")
    return list(User.objects.filter(Q(staff_profile__isnull=False) | Q(is_superuser=True), is_active=True,
                                    pk__in=followed).exclude(email="").order_by("pk"))


def alerts_followed_by(user: User) -> Q:
    """The alerts `user` may read because they follow one of their neighborhoods."""
    return Q(districts__in=NeighborhoodAlertFollower.objects.filter(user=user).values("district_id"))
