"""manage.py open311_key: issue or revoke an Open311 API key from the shell.

    manage.py open311_key create "FixMyStreet Boston" --rate-limit 300
    manage.py open311_key revoke o311_AbCdEfGh
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic311.open311.models import ApiKey
from civic311.open311.services import revoke_api_key, save_new_api_key


class Command(BaseCommand):
    help = "Issue (create) or revoke an Open311 API key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Issue a key; it is printed once")
        create.add_argument("name", help="The application the key is for")
        create.add_argument("--rate-limit", type=int, default=120, help="Writes per minute (default 120)")
        create.add_argument("--notes", default="")
        revoke = sub.add_parser("revoke", help="Revoke a key by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            if options["rate_limit"] < 1:
                raise CommandError("--rate-limit must be at least 1")
            api_key = ApiKey(name=options["name"], notes=options["notes"],
                             rate_limit_per_minute=options["rate_limit"])
            key = save_new_api_key(api_key, actor_label="manage.py open311_key")
            self.stdout.write(key)
            return
        found = ApiKey.objects.filter(prefix=options["prefix"]).first()
        if found is None:
            raise CommandError(f"No API key with prefix {options['prefix']!r}")
        revoke_api_key(found, actor_label="manage.py open311_key")
        self.stdout.write(f"Revoked {found}")
