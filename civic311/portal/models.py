"""The portal keeps only what it needs to protect itself: report counts per client."""

from django.db import models


class ReportWindow(models.Model):
    """Reports one client (a keyed hash of its address) sent in one rate-limit window."""

    client = models.CharField(max_length=32)
    started_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "started_at"], name="one_window_per_client")]
        indexes = [models.Index(fields=["started_at"])]

    def __str__(self) -> str:
        return f"{self.client} @ {self.started_at:%H:%M}: {self.count}"
