"""Reading a POST requests form into a Submission: every field checked, every problem
reported at once (400); an unknown service is a 404. Personal details are read into their
own PersonDetails, which only `contacts` receives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.utils.datastructures import MultiValueDict

from civic311.cases.services import NewAttachment
from civic311.catalog.lookups import intake_service
from civic311.catalog.models import ServiceType
from civic311.places.models import Jurisdiction

from .attributes import Answer, check_answers, raw_answers
from .errors import bad_request, not_found
from .media import MediaRefused, check_photo
from .params import clean, first
from .plain_text import strip_html

MAX_DESCRIPTION = 4000
MAX_PHOTOS = 5
_PHOTO_FIELD = re.compile(r"photo[1-9][0-9]?", re.ASCII)
_DECIMAL = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{0,15})?|\.\d{1,15})$")
_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class PersonDetails:
    name: str = ""
    email: str = ""
    phone: str = ""
    device_id: str = ""
    account_id: str = ""


@dataclass(frozen=True)
class Submission:
    service: ServiceType
    lat: float | None
    long: float | None
    address: str
    address_id: str
    description: str
    media_url: str
    answers: dict[str, Answer]
    photos: list[NewAttachment] = field(default_factory=list)
    person: PersonDetails = PersonDetails()


def _limited(data: MultiValueDict[str, str], name: str, limit: int, problems: list[str]) -> str:
    value = first(data, name) or ""
    if len(value) > limit:
        problems.append(f"{name} is longer than {limit} characters.")
        return ""
    return value


def _coordinate(value: str | None, name: str, bound: int, problems: list[str]) -> float | None:
    if value is None:
        return None
    if not _DECIMAL.match(value) or abs(float(value)) > bound:
        problems.append(f"{name} must be a decimal number of degrees from -{bound} to {bound}: {value[:30]!r}")
        return None
    return float(value)


def _location(
    data: MultiValueDict[str, str], jurisdiction: Jurisdiction | None, problems: list[str]
) -> tuple[float | None, float | None, str, str]:
    raw_lat, raw_long = first(data, "lat"), first(data, "long")
    lat = _coordinate(raw_lat, "lat", 90, problems)
    long = _coordinate(raw_long, "long", 180, problems)
    address = _limited(data, "address_string", 300, problems)
    address_id = _limited(data, "address_id", 100, problems)
    if (raw_lat is None) != (raw_long is None):
        problems.append("lat and long must be sent together.")
    elif raw_lat is None and first(data, "address_string") is None and first(data, "address_id") is None:
        problems.append("A location is required: lat and long, or address_string, or address_id.")
    if lat is not None and long is not None and jurisdiction is not None and not jurisdiction.contains(lat, long):
        problems.append(f"lat/long {lat}, {long} is outside {jurisdiction.name}.")
    if lat is None or long is None:
        lat = long = None
    return lat, long, address, address_id


def _description(data: MultiValueDict[str, str], problems: list[str]) -> str:
    raw = data.get("description")
    text = strip_html(clean(raw).strip()) if raw else ""
    if len(text) > MAX_DESCRIPTION:
        problems.append(f"description is {len(text)} characters long; the limit is {MAX_DESCRIPTION}.")
        return ""
    return text


def read_media_url(data: MultiValueDict[str, str], problems: list[str], *, limit: int = 500) -> str:
    """The `media_url` sent (an http or https URL of at most `limit` characters), or ""."""
    # FixMyStreet repeats media_url for several photos: the first one is kept.
    urls = [clean(u).strip() for u in data.getlist("media_url") if u and u.strip()]
    if not urls:
        return ""
    url = urls[0]
    try:
        if len(url) > limit:
            raise ValidationError("too long")
        _url(url)
    except ValidationError:
        problems.append(f"media_url must be an http or https URL of at most {limit} characters: {url[:60]!r}")
        return ""
    return url


def read_person(data: MultiValueDict[str, str], problems: list[str]) -> PersonDetails:
    email = _limited(data, "email", 254, problems)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append("email is not a valid e-mail address.")
            email = ""
    first_name = _limited(data, "first_name", 100, problems)
    last_name = _limited(data, "last_name", 100, problems)
    return PersonDetails(
        name=f"{first_name} {last_name}".strip(),
        email=email,
        phone=_limited(data, "phone", 30, problems),
        device_id=_limited(data, "device_id", 100, problems),
        account_id=_limited(data, "account_id", 100, problems),
    )


def _photo_fields(files: MultiValueDict[str, UploadedFile]) -> list[tuple[str, UploadedFile]]:
    """The photos sent: the `media` file (GeoReport v2.1 draft, three), then FixMyStreet's
    `photo1`, `photo2`, ... in number order; every file of those fields, repeated or not."""
    numbered = sorted((int(name[5:]), name) for name in files if _PHOTO_FIELD.fullmatch(name))
    names = (["media"] if "media" in files else []) + [name for _, name in numbered]
    return [(name, upload) for name in names for upload in files.getlist(name)]


def _photos(files: MultiValueDict[str, UploadedFile], problems: list[str]) -> list[NewAttachment]:
    sent = _photo_fields(files)
    if len(sent) > MAX_PHOTOS:
        problems.append(f"At most {MAX_PHOTOS} photos may be sent with a request; {len(sent)} were sent.")
        return []
    photos = []
    for name, upload in sent:
        try:
            photos.append(check_photo(upload))
        except MediaRefused as refused:
            message = str(refused)
            problems.append(message if name == "media" else message.replace("media", name, 1))
    return photos


def read_submission(
    data: MultiValueDict[str, str], files: MultiValueDict[str, UploadedFile], jurisdiction: Jurisdiction | None
) -> Submission:
    problems: list[str] = []
    code = first(data, "service_code")
    service = intake = None
    if code is None:
        problems.append("service_code is missing: choose one from services.xml or services.json.")
    else:
        intake = intake_service(code)
        if intake is None:
            raise not_found(f"service_code {code[:100]!r} was not found.")
        service = intake.service
    lat, long, address, address_id = _location(data, jurisdiction, problems)
    description = _description(data, problems)
    media_url = read_media_url(data, problems)
    person = read_person(data, problems)
    answers: dict[str, Answer] = {}
    if intake is not None:
        answers, attribute_problems = check_answers(intake.questions, raw_answers(data))
        problems.extend(attribute_problems)
    photos = _photos(files, problems)
    if problems or service is None:
        raise bad_request(*problems)
    return Submission(
        service=service, lat=lat, long=long, address=address, address_id=address_id,
        description=description, media_url=media_url, answers=answers, photos=photos, person=person,
    )
