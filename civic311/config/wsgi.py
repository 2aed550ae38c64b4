"""WSGI entry point for application servers (gunicorn in the demo and production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic311.config.settings")
application = get_wsgi_application()
