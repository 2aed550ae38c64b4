"""API keys of the applications that write through the Open311 API. Only a hash of each key
is stored; the key itself is shown once, when it is issued."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """One application's key (FixMyStreet, a city app, a partner's robot), revocable and
    rate-limited. Keys are required on writes only; reads are open."""

    name = models.CharField(max_length=200, help_text=_("The application using the key, e.g. FixMyStreet Boston"))
    notes = models.TextField(blank=True, help_text=_("Who to contact about this application, and why it has a key"))
    prefix = models.CharField(max_length=16, unique=True, editable=False,
                              help_text=_("The key's first characters, to recognise it"))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(default=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        default=120, help_text=_("Writes allowed per minute; more are refused with HTTP 429")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The current one-minute window of the rate limit and the writes counted in it.
    window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
