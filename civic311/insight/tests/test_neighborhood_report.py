"""The neighborhood report: a printable page and a PDF whose text says the top issues and
their change, what is open, response times against the city, active alerts and how to
reach 311, in English or Spanish."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from civic311.insight import pdf
from civic311.insight.models import Alert
from civic311.staff.tests.factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db
URL = "/insight/report/"
PDF_URL = "/insight/report.pdf"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 16, tzinfo=UTC)


@pytest.fixture
def neighborhood(city: City) -> City:
    """Westside in May 2025: 3 potholes (one closed after 5 hours) and 1 graffiti; May 2024:
    1 pothole; Eastside: 1 pothole closed after 30 hours; an open alert on Westside."""
    add_case(city.pothole, requested_at=at(date(2025, 5, 2)), neighborhood=city.west, status="closed",
             closed_at=at(date(2025, 5, 2)) + timedelta(hours=5))
    add_case(city.pothole, requested_at=at(date(2025, 5, 3)), neighborhood=city.west)
    add_case(city.pothole, requested_at=at(date(2025, 5, 9)), neighborhood=city.west)
    add_case(city.graffiti, requested_at=at(date(2025, 5, 9)), neighborhood=city.west)
    add_case(city.pothole, requested_at=at(date(2024, 5, 9)), neighborhood=city.west, status="closed",
             closed_at=at(date(2024, 5, 10)))
    add_case(city.pothole, requested_at=at(date(2025, 5, 4)), neighborhood=city.east, status="closed",
             closed_at=at(date(2025, 5, 4)) + timedelta(hours=30))
    now = datetime.now(UTC)
    alert = Alert.objects.create(kind=Alert.Kind.CLUSTER, service_type=city.graffiti,
                                 first_detected_on=date(2025, 5, 9), last_detected_on=date(2025, 5, 9),
                                 window_start=date(2025, 5, 8), observed=14,
                                 expected=2.0, created_at=now, updated_at=now)
    alert.districts.set([city.west])
    return city


def params(city: City, **extra: Any) -> dict[str, Any]:
    return {"neighborhood": city.west.pk, "start": "2025-05-01", "end": "2025-05-31", **extra}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_printable_page_has_every_part(neighborhood: City) -> None:
    response = logged_in(neighborhood.worker).get(URL, params(neighborhood))
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.total.opened, report.total_earlier.opened, report.open_total) == (4, 1, 3)
    assert [(i.service_type.code, i.now.opened, i.earlier.opened) for i in report.issues] == [
        ("pothole", 3, 1), ("graffiti", 1, 0)]
    assert [(o.service_type.code, o.count) for o in report.open_issues] == [("pothole", 2), ("graffiti", 1)]
    assert [a.observed for a in report.alerts] == [14]
    html = response.content.decode()
    assert "311 in Westside" in html and "+300 %" in html and "How to reach 311" in html
    assert 'class="here"' in html  # the neighborhood is shaded on the map
    assert 'id="pdf-link"' in html


def test_the_pdf_says_it_all(neighborhood: City) -> None:
    started = time.perf_counter()
    response = logged_in(neighborhood.worker).get(PDF_URL, params(neighborhood))
    took = time.perf_counter() - started
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="westside-2025-05-31.pdf"'
    text = pdf_text(response.content)
    for expected in ("311 in Westside", "Top issues and how they changed", "Pothole", "+200 %",
                     "Response times against the city", "What is open, and for how long",
                     "Active alerts", "Emerging cluster: Graffiti, 14 requests", "Call 311",
                     "In an emergency, call 911."):
        assert expected in text, expected
    assert took < 30, f"the PDF took {took:.1f} s"


def test_the_pdf_speaks_spanish(neighborhood: City) -> None:
    response = logged_in(neighborhood.worker).get(PDF_URL, params(neighborhood, language="es"))
    text = pdf_text(response.content)
    for expected in ("311 en Westside", "Principales problemas", "Pothole",
                     "Cómo comunicarse con el 311", "En caso de emergencia, llame al 911.", "Variación"):
        assert expected in text, expected
    assert "Modificar" not in text  # the admin's word for "Change" (edit), not a difference


def test_without_the_pdf_library_the_page_says_so(neighborhood: City, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> object:
        raise pdf.PdfUnavailable("PDF output needs WeasyPrint and the Pango library")

    monkeypatch.setattr(pdf, "_weasyprint", broken)
    client = logged_in(neighborhood.worker)
    page = client.get(URL, params(neighborhood))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The PDF cannot be made on this server" in html and 'id="pdf-link"' not in html
    response = client.get(PDF_URL, params(neighborhood))
    assert response.status_code == 503 and "Pango" in response.content.decode()


@pytest.mark.parametrize(("query", "message"), [
    ({"neighborhood": "999999"}, "Select a valid choice."),
    ({"neighborhood": "<script>alert(1)</script>"}, "Select a valid choice."),
    ({}, "This field is required."),
    ({"start": "2025-06-01", "end": "2025-05-01"}, "The end date is before the start date."),
    ({"start": "2019-01-01", "end": "2025-05-01"}, "Choose a period of at most three years."),
    ({"language": "fr"}, "Select a valid choice."),
    ({"end": "x" * 3000}, "Enter a valid date."),
])
def test_bad_choices_get_a_clear_error(neighborhood: City, query: dict[str, str], message: str) -> None:
    base = {"neighborhood": str(neighborhood.west.pk), **query} if "neighborhood" in query or query else {}
    if not query:
        base = {"start": "2025-05-01"}
    client = logged_in(neighborhood.worker)
    response = client.get(URL, base)
    assert response.status_code == 400 and message in response.content.decode()
    assert client.get(PDF_URL, base).status_code == 400


def test_the_form_page_and_access(neighborhood: City) -> None:
    assert logged_in(neighborhood.worker).get(URL).status_code == 200
    assert Client().get(PDF_URL, params(neighborhood)).status_code == 302
    assert logged_in(neighborhood.nobody).get(PDF_URL, params(neighborhood)).status_code == 403
