"""Template context shared by every page: the city's name and settings that pages need."""

from django.conf import settings
from django.http import HttpRequest

from .models import Jurisdiction


def jurisdiction(request: HttpRequest) -> dict[str, object]:
    return {
        "jurisdiction": Jurisdiction.objects.first(),
        "tile_url": settings.CIVIC311_TILE_URL,
        "tile_attribution": settings.CIVIC311_TILE_ATTRIBUTION,
    }
