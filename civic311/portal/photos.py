"""A resident's photo: checked by what it is (Pillow decodes it), not by its name or
declared type, limited in bytes and pixels, and stored re-encoded so that EXIF (a phone's
GPS position is often the reporter's home), comments and anything hidden after the image
data are gone."""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from civic311.cases.services import NewAttachment

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow format → (content type, file extension, save options).
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 88}),
    "PNG": ("image/png", "png", {}),
    "WEBP": ("image/webp", "webp", {"quality": 88}),
}


class PhotoRefused(ValueError):
    """The file is not a photo we accept; the message says why, for the resident."""


def clean_photo(data: bytes) -> NewAttachment:
    """The photo re-encoded without metadata, as an attachment, or PhotoRefused."""
    if not data:
        raise PhotoRefused(_("The photo is an empty file."))
    if len(data) > MAX_BYTES:
        raise PhotoRefused(_("The photo is larger than 8 MB. Please choose a smaller one."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in FORMATS:
                    raise PhotoRefused(_("The photo must be a JPEG, PNG or WebP image."))
                if width * height > MAX_PIXELS:
                    raise PhotoRefused(_("The photo has too many pixels. Please choose a smaller one."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                # Turn the picture as the camera meant, since the orientation tag goes too.
                upright = ImageOps.exif_transpose(image)
                if kind == "JPEG" and upright.mode not in {"RGB", "L"}:
                    upright = upright.convert("RGB")
                content_type, extension, options = FORMATS[kind]
                out = io.BytesIO()
                # No exif= and no pnginfo: Pillow writes none of the original metadata.
                upright.save(out, format=kind, **options)
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefused(_("The photo must be a JPEG, PNG or WebP image.")) from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise PhotoRefused(_("The photo could not be read (damaged or incomplete).")) from None
    return NewAttachment(name=f"photo.{extension}", content=out.getvalue(), content_type=content_type)
