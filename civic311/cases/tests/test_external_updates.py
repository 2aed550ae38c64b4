"""Updates from external systems (Open311 servicerequestupdates): a status they change is
announced like a staff change, once, and the photo they link to is kept."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from civic311.cases import signals
from civic311.cases.models import ServiceRequest, Status
from civic311.cases.services import add_external_update

from .factories import request_in, service_type


def test_a_status_changed_from_outside_is_announced_once_and_keeps_its_photo(db: None) -> None:
    service_type()
    request = request_in("assigned")
    resolved = Status.objects.get(code="resolved")
    heard: list[dict[str, Any]] = []

    def listener(sender: type[ServiceRequest], **kwargs: Any) -> None:
        heard.append(kwargs)

    signals.status_changed.connect(listener)
    try:
        for _ in range(2):  # sent again: nothing new
            update, _created = add_external_update(
                request=request, external_id="fms-7", text="Fixed.", status=resolved, occurred_at=timezone.now(),
                channel=None, actor_label="FixMyStreet", media_url="https://photos.example.org/7.jpg",
            )
    finally:
        signals.status_changed.disconnect(listener)
    assert heard == [{"signal": signals.status_changed, "request_id": request.pk, "from_status": "assigned",
                      "to_status": "resolved", "public": True}]
    update.refresh_from_db()
    assert update.media_url == "https://photos.example.org/7.jpg"


def test_a_note_from_outside_without_a_status_announces_nothing(db: None) -> None:
    service_type()
    request = request_in("assigned")
    heard: list[object] = []

    def listener(sender: type[ServiceRequest], **kwargs: Any) -> None:
        heard.append(kwargs)

    signals.status_changed.connect(listener)
    try:
        add_external_update(request=request, external_id="fms-8", text="Crew booked.", status=None,
                            occurred_at=timezone.now(), channel=None, actor_label="FixMyStreet")
    finally:
        signals.status_changed.disconnect(listener)
    assert heard == []
