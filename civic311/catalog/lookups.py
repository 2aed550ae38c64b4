"""The catalog rows intake reads on every request, from the per-process reference cache
(`civic311.config.reference_cache`): a service type with its questions, a channel."""

from __future__ import annotations

from dataclasses import dataclass

from civic311.config.reference_cache import ReferenceCache

from .models import Channel, Department, Queue, ServiceAttribute, ServiceType


@dataclass(frozen=True)
class IntakeService:
    """An active service type as intake sees it: the type (department and queue loaded)
    and its questions in the order they are asked. Shared: read-only."""

    service: ServiceType
    questions: tuple[ServiceAttribute, ...]


def _load_service(code: str) -> IntakeService | None:
    service = ServiceType.objects.select_related("department", "queue").filter(code=code, active=True).first()
    if service is None:
        return None
    return IntakeService(service, tuple(service.attributes.order_by("order", "code")))


_services: ReferenceCache[str, IntakeService | None] = ReferenceCache(
    "intake-services", _load_service, [ServiceType, ServiceAttribute, Department, Queue])
_channels: ReferenceCache[str, Channel | None] = ReferenceCache(
    "channels", lambda code: Channel.objects.filter(code=code).first(), [Channel])


_groups: ReferenceCache[str, tuple[int, ...]] = ReferenceCache(
    "service-groups", lambda group: tuple(ServiceType.objects.filter(group=group).values_list("pk", flat=True)),
    [ServiceType])


def service_ids_in_group(group: str) -> tuple[int, ...]:
    """The ids of every service type of `group` (active or not)."""
    return _groups.get(group)


def intake_service(code: str) -> IntakeService | None:
    """The active service type `code` with its questions, or None."""
    return _services.get(code)


def channel_by_code(code: str) -> Channel | None:
    return _channels.get(code) if code else None


_types_by_id: ReferenceCache[int, ServiceType | None] = ReferenceCache(
    "service-types-by-id", lambda pk: ServiceType.objects.filter(pk=pk).first(), [ServiceType])
_channels_by_id: ReferenceCache[int, Channel | None] = ReferenceCache(
    "channels-by-id", lambda pk: Channel.objects.filter(pk=pk).first(), [Channel])


def service_type_by_id(pk: int) -> ServiceType | None:
    return _types_by_id.get(pk)


def channel_by_id(pk: int) -> Channel | None:
    return _channels_by_id.get(pk)
