"""Template context every page needs from the knowledge base (the emergency banner)."""

from django.http import HttpRequest


def emergency_campaign(request: HttpRequest) -> dict[str, object]:
    """The active emergency campaign, if any, for the banner on every page."""
    return {}
