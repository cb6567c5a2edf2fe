"""The font receipts are printed in: DejaVu Sans, which covers Latin and Cyrillic.

The built-in PDF fonts (Helvetica) have no Cyrillic glyphs, so Russian text needs a TrueType font. The
font is looked for in ``$ICAFE_RECEIPT_FONT_DIR`` and then in the usual system directories, registered
with reportlab once per process, and when it is nowhere to be found the receipts fall back to Helvetica
with a single warning.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

FONT_DIR_ENV = "ICAFE_RECEIPT_FONT_DIR"
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
REGULAR_FILE = "DejaVuSans.ttf"
BOLD_FILE = "DejaVuSans-Bold.ttf"
REGULAR = "ICafeSans"
BOLD = "ICafeSans-Bold"
FALLBACK = ("Helvetica", "Helvetica-Bold")

_lock = threading.Lock()
_registered: tuple[str, str] | None = None


def font_search_dirs() -> list[Path]:
    """Where the font is looked for, in order: ``$ICAFE_RECEIPT_FONT_DIR`` first, then system directories."""
    configured = os.environ.get(FONT_DIR_ENV, "").strip()
    return ([Path(configured)] if configured else []) + list(SYSTEM_FONT_DIRS)


def find_font_dir(dirs: list[Path]) -> Path | None:
    """The first of ``dirs`` that holds both the regular and the bold DejaVu Sans files."""
    for directory in dirs:
        if (directory / REGULAR_FILE).is_file() and (directory / BOLD_FILE).is_file():
            return directory
    return None


def _register(directory: Path) -> tuple[str, str]:
    regular = TTFont(REGULAR, str(directory / REGULAR_FILE))
    bold_face = TTFont(BOLD, str(directory / BOLD_FILE))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(bold_face)
    # So that reportlab's family lookups (<b> in paragraphs) pick the bold face.
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    return REGULAR, BOLD


def _locate_and_register() -> tuple[str, str]:
    dirs = font_search_dirs()
    directory = find_font_dir(dirs)
    problem = f"DejaVu Sans not found in {', '.join(str(d) for d in dirs)}"
    if directory is not None:
        try:
            return _register(directory)
        except (OSError, TTFError) as exc:
            problem = f"DejaVu Sans in {directory} could not be loaded ({exc})"
    log.warning(
        "%s; receipts fall back to Helvetica and Cyrillic text will not render. Install the Debian "
        "package fonts-dejavu-core or set %s to a directory holding %s and %s.",
        problem,
        FONT_DIR_ENV,
        REGULAR_FILE,
        BOLD_FILE,
    )
    return FALLBACK


def receipt_fonts() -> tuple[str, str]:
    """The (regular, bold) font names to draw receipts with, registering them on first use.

    The search and the warning happen once per process; later calls return the cached answer.
    """
    global _registered
    with _lock:
        if _registered is None:
            _registered = _locate_and_register()
        return _registered
