"""Template context every page needs from the knowledge base (the emergency banner)."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import active_campaign


def emergency_campaign(request: HttpRequest) -> dict[str, object]:
    """The active emergency campaign, if any, for the public banner and the desk banner.

    Lazy: pages that never show a banner never look it up; the lookup is cached briefly.
    `emergency_campaign` is the campaign or None (test it with `.pk`; a lazy None is truthy
    in templates, so use `emergency_campaign.pk`).
    """
    return {"emergency_campaign": SimpleLazyObject(active_campaign)}
