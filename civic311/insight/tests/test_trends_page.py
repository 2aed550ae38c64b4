"""The staff trends page and its CSV export: figures from the daily counts, the change
versus a year earlier, rates per 1,000 residents, roles, bad input, query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic311.cases.models import ServiceRequest
from civic311.catalog.models import ServiceType
from civic311.insight import selectors
from civic311.insight.rollups import city_zone
from civic311.places.models import District
from civic311.staff.tests.factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db
URL = "/insight/trends/"
CSV_URL = "/insight/trends.csv"


def at(day: date, hour: int = 16) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def add(service_type: ServiceType, district: District, day: date, *, closed_after: timedelta | None = None
        ) -> ServiceRequest:
    fields: dict[str, Any] = {}
    if closed_after is not None:
        fields = {"status": "closed", "closed_at": at(day) + closed_after}
    return add_case(service_type, requested_at=at(day), neighborhood=district, **fields)


@pytest.fixture
def history(city: City) -> City:
    """Westside: 3 potholes in June 2025 (two closed after 2 and 10 hours), 1 in June 2024;
    Eastside: 1 pothole and 1 graffiti in June 2025. Westside has 2,000 residents and
    Eastside 500."""
    District.objects.filter(pk=city.west.pk).update(population=2000)
    District.objects.filter(pk=city.east.pk).update(population=500)
    city.west.refresh_from_db()
    city.east.refresh_from_db()
    add(city.pothole, city.west, date(2025, 6, 2), closed_after=timedelta(hours=2))
    add(city.pothole, city.west, date(2025, 6, 3), closed_after=timedelta(hours=10))
    add(city.pothole, city.west, date(2025, 6, 20))
    add(city.pothole, city.west, date(2024, 6, 10))
    add(city.pothole, city.east, date(2025, 6, 5))
    add(city.graffiti, city.east, date(2025, 6, 5))
    return city


def june(**extra: Any) -> dict[str, Any]:
    return {"start": "2025-06-01", "end": "2025-06-30", "granularity": "week", **extra}


def test_the_page_shows_the_chosen_area_against_the_city_and_a_year_earlier(history: City) -> None:
    response = logged_in(history.worker).get(URL, june(districts=[history.west.pk], types=[history.pothole.pk]))
    assert response.status_code == 200
    trends = response.context["trends"]
    assert (trends.selection.opened, trends.selection_earlier.opened, trends.selection.closed) == (3, 1, 2)
    assert trends.selection_change == pytest.approx(200.0)
    assert (trends.city.opened, trends.city_earlier.opened) == (4, 1)
    assert trends.per_thousand
    # Week of Monday 2 June: Westside 2 potholes for 2,000 residents = 1 per 1,000; the city
    # 3 (Eastside's of 5 June too) for 2,500 = 1.2.
    first_week = next(p for p in trends.periods if p.start == date(2025, 6, 2))
    assert first_week.selection_value == pytest.approx(1.0)
    assert first_week.city_value == pytest.approx(1.2)
    # Median of 2 h (bucket 1–4 h) and 10 h (bucket 4–12 h): the middle of the counts, 4 h.
    assert trends.selection.median_close_hours == pytest.approx(4.0)
    areas = {a.district.name: a for a in trends.areas}
    assert areas["Westside"].value == pytest.approx(1.5) and areas["Eastside"].value == pytest.approx(2.0)
    assert areas["Eastside"].color != areas["Westside"].color
    html = response.content.decode()
    assert 'id="trend-chart"' in html and "+200 %" in html and 'id="trend-map-data"' in html


def test_without_areas_or_types_the_page_shows_the_whole_city(history: City) -> None:
    response = logged_in(history.agent).get(URL, june())
    trends = response.context["trends"]
    assert trends.selection.opened == 5 and trends.city.opened == 5
    assert [line.css_class for line in trends.chart.lines] == ["line-selection"]


def test_data_that_stop_in_the_past_are_shown_up_to_their_last_day_by_default(history: City) -> None:
    # The history's last request is on 20 June 2025: an archive, not live data.
    trends = logged_in(history.agent).get(URL).context["trends"]
    assert (trends.choice.start, trends.choice.end) == (date(2025, 3, 23), date(2025, 6, 20))
    assert trends.selection.opened == 5  # every 2025 request, none of 2024
    # Today in the city (Boston), not in UTC: between midnight UTC and midnight in Boston
    # the two differ by a day.
    add(history.pothole, history.west, timezone.now().astimezone(city_zone()).date())
    trends = logged_in(history.agent).get(URL).context["trends"]
    assert trends.selection.opened == 1  # live data: the last 90 days up to today


def test_the_figures_come_from_a_fixed_number_of_queries(history: City) -> None:
    client = logged_in(history.supervisor)
    client.get(URL, june())  # the session and profile are warm after this
    with CaptureQueriesContext(connection) as small:
        client.get(URL, june(districts=[history.west.pk], granularity="month"))
    for day in range(1, 28):
        add(history.mold, history.east, date(2025, 6, day))
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL, june(districts=[history.west.pk, history.east.pk], granularity="day"))
    assert response.context["trends"].selection.opened == 32
    assert len(large) == len(small) <= 20


def test_the_csv_has_every_period_of_every_chosen_area_and_the_city(history: City) -> None:
    response = logged_in(history.worker).get(CSV_URL, june(districts=[history.west.pk], types=[history.pothole.pk],
                                                           granularity="month"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["period_start"], r["area"], r["opened"], r["closed"]) for r in rows] == [
        ("2025-06-01", "Westside", "3", "2"), ("2025-06-01", "City-wide", "4", "2")]
    assert rows[0]["opened_per_1000_residents"] == "1.500" and rows[1]["opened_per_1000_residents"] == ""
    assert rows[0]["median_hours_to_close"] == "4.0" and rows[0]["service_types"] == "Pothole"


def test_a_formula_in_an_area_name_is_exported_as_text(history: City) -> None:
    District.objects.filter(pk=history.west.pk).update(name="=HYPERLINK(\"http://evil\")")
    response = logged_in(history.worker).get(CSV_URL, june(districts=[history.west.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize(("params", "message"), [
    ({"start": "2025-07-01", "end": "2025-06-01"}, "The end date is before the start date."),
    ({"start": "2020-01-01", "end": "2025-06-01"}, "Choose a period of at most three years."),
    ({"start": "2024-01-01", "end": "2025-06-01", "granularity": "day"}, "Per day, choose a period of at most"),
    ({"start": "not a date"}, "Enter a valid date."),
    ({"start": "1900-01-01", "end": "1900-02-01"}, "Choose dates after 1 January 1990."),
    ({"granularity": "year"}, "Select a valid choice."),
    ({"districts": ["999999"]}, "Select a valid choice."),
    ({"types": ["1 OR 1=1"]}, "is not a valid value"),
    ({"start": "9" * 5000}, "Enter a valid date."),
])
def test_bad_choices_get_a_clear_error(history: City, params: dict[str, Any], message: str) -> None:
    client = logged_in(history.worker)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "trends" not in response.context
    csv_response = client.get(CSV_URL, params)
    assert csv_response.status_code == 400 and message in csv_response.content.decode()


def test_areas_of_another_layer_are_refused(history: City, wards: list[District]) -> None:
    response = logged_in(history.worker).get(URL, june(districts=[wards[0].pk]))
    assert response.status_code == 400
    assert "Choose areas of the layer you picked." in response.content.decode()


def test_another_layer_counts_by_its_own_districts(history: City, wards: list[District]) -> None:
    from civic311.insight import rollups

    rollups.rebuild()  # the wards were loaded after the requests
    response = logged_in(history.worker).get(URL, june(layer=wards[0].layer_id, districts=[wards[0].pk]))
    assert response.status_code == 200
    # Every test request lies at 42.35° N, in Ward 1 (north of 42.34° N).
    assert response.context["trends"].selection.opened == 5
    assert {a.district.name: a.totals.opened for a in response.context["trends"].areas} == {"Ward 1": 5, "Ward 2": 0}


def test_only_staff_see_trends(history: City) -> None:
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and "/staff/login/" in anonymous["Location"]
    assert Client().get(CSV_URL).status_code == 302
    assert logged_in(history.nobody).get(URL).status_code == 403
    assert logged_in(history.nobody).get(CSV_URL).status_code == 403
    assert logged_in(history.worker).post(URL).status_code == 405


def test_the_page_speaks_spanish(history: City) -> None:
    client = logged_in(history.worker)
    response = client.get(URL, june(), HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert "Tendencias" in html and "Descargar los números (CSV)" in html


def test_the_median_is_read_from_the_histogram() -> None:
    assert selectors.median_hours([0] * 12) is None
    assert selectors.median_hours([2] + [0] * 11) == pytest.approx(0.5)
    assert selectors.median_hours([0, 1, 1] + [0] * 9) == pytest.approx(4.0)
    assert selectors.median_hours([0] * 11 + [3]) == pytest.approx(2880.0)


def test_the_year_earlier_of_a_leap_day_is_the_28th() -> None:
    assert selectors.year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
    assert selectors.periods(date(2025, 1, 30), date(2025, 3, 2), selectors.Granularity.MONTH) == [
        date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]


