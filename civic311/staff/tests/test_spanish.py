"""The staff pages speak Spanish to agents who choose it: the language switch in the
header, the queue, the case page with its actions and messages, and the SLA page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from civic311.cases.services import submit_request

from .factories import City, add_case, logged_in

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def in_spanish(city: City, who: str = "supervisor") -> Client:
    client = logged_in(getattr(city, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_the_switch_in_the_header_turns_the_staff_pages_to_spanish(city: City) -> None:
    client = logged_in(city.supervisor)
    page = client.get("/staff/queue/").content.decode()
    assert '<button type="submit" name="language" value="es" lang="es">Español</button>' in page
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/staff/queue/"})
    assert response.status_code == 302 and response["Location"] == "/staff/queue/"
    page = client.get("/staff/queue/").content.decode()
    assert '<html lang="es">' in page
    for text in ("Saltar al contenido principal", "Filtrar los casos", "Aplicar filtros", "Cerrar sesión",
                 "Atajos de teclado", 'lang="en">English</button>', '<option value="closed">Cerrados</option>'):
        assert text in page


def test_the_case_page_and_its_messages_in_spanish(city: City) -> None:
    original = add_case(city.pothole, public_id="PWD-1", description="Bache hondo")
    new = submit_request(service_type=city.pothole, channel=None, lat=original.lat, long=original.long,
                         requested_at=original.requested_at)
    client = in_spanish(city, "worker")
    page = client.get(f"/staff/requests/{new.public_id}/").content.decode()
    for text in ("Detalles", "Historial", "Posibles duplicados", "encontrado al recibir este caso",
                 "Marcar como duplicado", "No es un duplicado", "Transferir a otro departamento",
                 "(la del departamento por defecto)", "SLA: en plazo", '<span class="badge status-new">Nuevo</span>',
                 '<option value="in_progress">En curso</option>'):
        assert text in page, text
    answer = client.post(f"/staff/requests/{new.public_id}/not-duplicate/", {"candidate": "NOPE"}, headers=HTMX)
    assert answer.status_code == 422
    assert "No se pudo registrar que no es un duplicado: Ninguna solicitud tiene el número NOPE." in (
        answer.content.decode())


def test_the_sla_page_in_spanish(city: City) -> None:
    page = in_spanish(city).get("/staff/sla/").content.decode()
    assert "Por cola" in page and "Casos vencidos" in page


def test_a_refusal_in_spanish(city: City) -> None:
    page = in_spanish(city, "agent").get("/staff/sla/")
    assert page.status_code == 403
    assert "La página de SLA es para supervisores y administradores." in page.content.decode()


def test_a_status_change_is_announced_in_spanish(city: City) -> None:
    add_case(city.pothole, public_id="PWD-1")
    answer = in_spanish(city, "worker").post("/staff/requests/PWD-1/transition/", {"to_status": "on_hold"},
                                             headers=HTMX)
    assert "Estado cambiado a En espera." in answer.content.decode()
