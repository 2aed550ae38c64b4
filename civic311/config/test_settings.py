"""Settings for the test suite: the production settings, with static files served from
the apps (no collectstatic step) and a fast password hasher."""

import tempfile
from pathlib import Path

from .settings import *  # noqa: F403
from .settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="civic311-static-"))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
