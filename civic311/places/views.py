"""The address index as JSON, for autocomplete on the report form and the agent desk."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .addresses import MAX_QUERY_LENGTH, MAX_RESULTS, search_addresses


@require_GET
def addresses(request: HttpRequest) -> JsonResponse:
    """GET ?q=<typed text>[&limit=1..25] → {"addresses": [{label, lat, long, neighborhood}]}."""
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY_LENGTH:
        return JsonResponse(
            {"error": _("Type at most %(n)d characters.") % {"n": MAX_QUERY_LENGTH}}, status=400
        )
    raw_limit = request.GET.get("limit", "10")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_RESULTS:
        return JsonResponse(
            {"error": _("limit must be a whole number from 1 to %(n)d.") % {"n": MAX_RESULTS}}, status=400
        )
    matches = search_addresses(query, limit=int(raw_limit))
    return JsonResponse(
        {"addresses": [
            {"label": m.label, "lat": m.lat, "long": m.long, "neighborhood": m.neighborhood} for m in matches
        ]}
    )
