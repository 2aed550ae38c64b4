"""HTML → PDF with WeasyPrint, loaded only when a PDF is asked for: WeasyPrint needs the
system's Pango, and a machine without it must still show the printable page (with a clear
message instead of the PDF link)."""

from __future__ import annotations

from functools import cache


class PdfUnavailable(Exception):
    """The PDF library cannot load on this machine; the message says what is missing."""


@cache
def _weasyprint() -> object:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango or its libraries are missing
        raise PdfUnavailable(
            f"PDF output needs WeasyPrint and the Pango library (on Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0). It could not load: {error}"
        ) from error
    return weasyprint


def unavailable_reason() -> str | None:
    """Why PDFs cannot be made here, or None when they can."""
    try:
        _weasyprint()
    except PdfUnavailable as error:
        return str(error)
    return None


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (inline CSS and SVG; nothing is fetched)."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=None)  # type: ignore[attr-defined]
    pdf: bytes = document.write_pdf()
    return pdf
