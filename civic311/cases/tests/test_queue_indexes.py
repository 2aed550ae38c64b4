"""The staff queue's filters have their indexes, and the database uses them: the deep
pages walk `(department, status, requested_at, id)`; on PostgreSQL the text search has its
trigram and expression indexes."""

from __future__ import annotations

import pytest
from django.db import connection

from civic311.cases.models import ServiceRequest

from .factories import request_in, service_type

pytestmark = pytest.mark.django_db

QUEUE_INDEXES = {"request_dept_status_time_id", "request_queue_status_time_id", "request_dept_status_sla",
                 "request_duplicate_of", "request_parent"}
SEARCH_INDEXES = {"request_description_trgm", "request_address_trgm", "request_public_id_upper"}


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ServiceRequest._meta.db_table)
    return {name for name, info in constraints.items() if info["index"]}


def test_the_queue_filters_have_their_indexes() -> None:
    names = index_names()
    assert names >= QUEUE_INDEXES
    # The old three-column indexes were replaced, not kept alongside.
    assert not {"request_dept_status_time", "request_queue_status_time"} & names
    assert (names >= SEARCH_INDEXES) is (connection.vendor == "postgresql")


def test_a_deep_queue_page_walks_the_index() -> None:
    kind = service_type("pothole")
    request_in("new", kind=kind)
    ids = (ServiceRequest.objects.filter(department=kind.department, status="open")
           .order_by("-requested_at", "-id").values_list("id", flat=True)[500:550])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A tiny table would be scanned or sorted otherwise; the question is whether an
            # index can serve this order, whatever the statistics of the moment say.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        plan = ids.explain()
    assert "request_dept_status_time_id" in plan
    assert "TEMP B-TREE" not in plan.upper() and "Sort" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_the_text_search_uses_the_trigram_indexes() -> None:
    from civic311.staff.selectors import QueueFilters, filter_requests

    kind = service_type("pothole")
    request_in("new", kind=kind, address="12 Washington St")
    search = filter_requests(ServiceRequest.objects.all(), QueueFilters(state="all", text="washington"),
                             user_id=None)
    with connection.cursor() as cursor:
        # A tiny table would be read whole: leave the planner only the bitmap scans.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = search.explain()
    assert "BitmapOr" in plan and all(name in plan for name in SEARCH_INDEXES), plan
    assert search.count() == 1
