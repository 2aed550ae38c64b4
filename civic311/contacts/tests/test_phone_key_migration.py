"""The migration that adds Constituent.phone_key fills it for the constituents already
there."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("contacts", "0004_seed_emergency_terms_and_non_emergency_services")]
AFTER = [("contacts", "0005_constituent_phone_key")]


def test_existing_phone_numbers_get_their_key() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("contacts", "Constituent")
    with_phone = old.objects.create(name="Old Caller", phone="+1 (617) 555-0142")
    without = old.objects.create(name="No Phone")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("contacts", "Constituent")
    assert new.objects.get(pk=with_phone.pk).phone_key == "6175550142"
    assert new.objects.get(pk=without.pk).phone_key == ""

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
