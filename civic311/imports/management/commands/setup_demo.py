"""manage.py setup_demo: load the shipped demo city (Boston, scrubbed) into an empty
database and make sure the demo staff account exists. Safe to run again."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from civic311.cases.models import ServiceRequest
from civic311.imports.areas import read_geojson
from civic311.imports.services import import_requests
from civic311.places.models import DistrictLayer
from civic311.places.profiles import load_profile
from civic311.places.services import ensure_jurisdiction, load_layer

DEMO_DIR = Path(settings.BASE_DIR) / "demo"
DEMO_USER = "demo"


class Command(BaseCommand):
    help = "Load the demo city and create the demo staff account (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        profile = load_profile("boston")
        ensure_jurisdiction(profile)
        if not DistrictLayer.objects.filter(is_neighborhoods=True).exists():
            features = read_geojson(DEMO_DIR / "boston_neighborhoods.geojson", "Name", "Neighborhood_ID", None)
            load_layer(
                slug="neighborhoods", name="Neighborhoods", features=features,
                is_neighborhoods=True, source="Analyze Boston", attribution="City of Boston",
            )
            self.stdout.write(f"Loaded {len(features)} Boston neighborhoods")
        if not ServiceRequest.objects.exists():
            self.stdout.write("Loading the demo requests (real Boston 2015 records, scrubbed)...")
            summary = import_requests(
                path=DEMO_DIR / "boston_requests_2015.csv.gz", source_format="boston-csv", profile=profile,
            )
            self.stdout.write(f"Loaded {summary.created} requests ({summary.rejected} rejected)")
            call_command("rebuild_insight_rollups", stdout=self.stdout)
            call_command("build_address_index", stdout=self.stdout)
        call_command("load_faq", stdout=self.stdout)
        self._ensure_account()

    def _ensure_account(self) -> None:
        login_file = Path(settings.VAR_DIR) / "demo-login.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USER).first()
        if user is None or not login_file.exists():
            password = secrets.token_urlsafe(9)
            if user is None:
                user = user_model.objects.create_superuser(DEMO_USER, "", password)
            else:
                user.set_password(password)
                user.save()
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.write_text(password + "\n")
            login_file.chmod(0o600)
        password = login_file.read_text().strip()
        self.stdout.write("")
        self.stdout.write("  Demo staff login (also for http://127.0.0.1:8000/admin/):")
        self.stdout.write(f"    user:     {DEMO_USER}")
        self.stdout.write(f"    password: {password}")
        self.stdout.write("")
