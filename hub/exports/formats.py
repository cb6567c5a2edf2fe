"""The export formats: each one's writer, media type and file extension."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.exports.csv import CsvWriter
from hub.exports.pdf import PdfWriter
from hub.exports.sheet import WriterFactory
from hub.exports.xlsx import XlsxFileWriter


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


@dataclass(frozen=True)
class FormatSpec:
    writer: WriterFactory
    media_type: str
    extension: str


FORMATS: dict[Format, FormatSpec] = {
    Format.CSV: FormatSpec(CsvWriter, "text/csv; charset=utf-8", "csv"),
    Format.XLSX: FormatSpec(
        XlsxFileWriter, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    ),
    Format.PDF: FormatSpec(PdfWriter, "application/pdf", "pdf"),
}
