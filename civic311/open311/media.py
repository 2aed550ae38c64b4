"""A photo uploaded with a request (multipart field `media`): at most MAX_BYTES, and an
image by its content (decoded by Pillow), not by its name or declared type. It is stored
re-encoded, which drops EXIF and other metadata (a phone photo's GPS position is often the
reporter's home) and anything hidden after the image data."""

from __future__ import annotations

import io
import warnings

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from civic311.cases.services import NewAttachment

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Pillow format → (content type, file extension, save options).
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 90}),
    "PNG": ("image/png", "png", {"optimize": False}),
    "GIF": ("image/gif", "gif", {}),
    "WEBP": ("image/webp", "webp", {"quality": 90}),
}


class MediaRefused(ValueError):
    """The file is not an image we accept; the message says why, for the client."""


def check_photo(upload: UploadedFile) -> NewAttachment:
    """The upload as an attachment to store, or MediaRefused."""
    size = upload.size or 0
    if size > MAX_BYTES:
        raise MediaRefused(f"media is {size} bytes; the limit is {MAX_BYTES} bytes (10 MB).")
    if size == 0:
        raise MediaRefused("media is an empty file.")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise MediaRefused(f"media is larger than {MAX_BYTES} bytes (10 MB).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format or ""
                width, height = probe.size
                if kind not in FORMATS:
                    raise MediaRefused(f"media must be a JPEG, PNG, GIF or WebP image, not {kind or 'unknown'}.")
                if width * height > MAX_PIXELS:
                    raise MediaRefused(f"media is {width}×{height} pixels; the limit is {MAX_PIXELS} pixels.")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.seek(0)
                upright = ImageOps.exif_transpose(image)
                if kind == "JPEG" and upright.mode not in {"RGB", "L", "CMYK"}:
                    upright = upright.convert("RGB")
                out = io.BytesIO()
                content_type, extension, options = FORMATS[kind]
                upright.save(out, format=kind, **options)
    except MediaRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise MediaRefused("media must be a JPEG, PNG, GIF or WebP image.") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise MediaRefused("media is not a readable image (damaged or truncated).") from None
    return NewAttachment(name=f"photo.{extension}", content=out.getvalue(), content_type=content_type)
