"""Settings for delivery workers started by the kill test and the broadcast benchmark:
the production settings with short leases, so that a worker killed with SIGKILL is
recovered from within seconds instead of minutes (django-q2 hands a task that was not
acknowledged to another worker after `retry` seconds; the outbox lease frees its
messages before that)."""

import os

from civic311.config.settings import *  # noqa: F403
from civic311.config.settings import Q_CLUSTER

Q_CLUSTER = {
    **Q_CLUSTER,
    "name": os.environ.get("CIVIC311_Q_NAME", "civic311"),
    "timeout": int(os.environ.get("CIVIC311_Q_TIMEOUT", "8")),
    "retry": int(os.environ.get("CIVIC311_Q_RETRY", "10")),
    "poll": 0.2,
    "max_attempts": 0,  # the outbox decides when a message has had enough attempts
}
NOTICES_LEASE_SECONDS = float(os.environ.get("CIVIC311_NOTICES_LEASE", "5"))
NOTICES_TASK_SECONDS = float(os.environ.get("CIVIC311_NOTICES_TASK_SECONDS", "4"))
