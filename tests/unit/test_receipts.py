"""Receipts and shift reports as PDF: what they say in each language, their paper, and that they draw."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from billing.money import format_amount
from billing.tariffs import epoch_ms
from hub.receipts import fonts
from hub.receipts.model import (
    BranchHeader,
    Layout,
    MethodTotals,
    ReceiptData,
    ReceiptLine,
    ShiftReportData,
    UnpaidSession,
)
from hub.receipts.render import (
    THERMAL_PAGE_WIDTH,
    mask_voucher,
    render_receipt,
    render_shift_report,
    wrap_text,
)
from hub.receipts.texts import LANGUAGES, method_name, purpose_name, texts

LANGS = ("uz", "ru", "en")
LAYOUTS = (Layout.A4, Layout.THERMAL)
TZ = "Asia/Tashkent"  # UTC+5
ISSUED = epoch_ms(datetime(2026, 11, 25, 9, 3, tzinfo=UTC))  # 14:03 in Tashkent
VOUCHER = "VCH-ABCD-7KQ2"
LONG_NAME = "Energy drink Adrenaline Rush Zero Sugar " * 4 + "Supercalifragilisticexpialidocious" * 3

BRANCH = BranchHeader(
    code="main",
    name="Cyber Arena Chilonzor",
    address="Toshkent, Chilonzor 12",
    tax_id="305123456",
    phone="+998 90 123 45 67",
)


def receipt(language: str, **changes: Any) -> ReceiptData:
    """A cash sale of several products, for a member."""
    lines = (
        ReceiptLine("Coca-Cola 0.5 l", 2, 800_000, 1_600_000),
        ReceiptLine("Lays", 1, 1_500_000, 1_500_000),
        ReceiptLine(purpose_name("session", language), 1, 2_400_000, 2_400_000),
    )
    fields: dict[str, Any] = {
        "branch": BRANCH,
        "number": 42,
        "kind": "payment",
        "purpose": "sale",
        "method": "cash",
        "issued_at": ISSUED,
        "timezone": TZ,
        "language": language,
        "currency": "UZS",
        "lines": lines,
        "total": 5_500_000,
        "staff": "Dilnoza",
        "payment_id": "pay_01JDX4Q9R2",
        "member": "bobur_77",
        "balance_after": 12_345_600,
    }
    return ReceiptData(**(fields | changes))


def card_receipt(language: str) -> ReceiptData:
    return receipt(language, method="card", terminal_ref="APPR834201", member="", balance_after=None)


def refund_receipt(language: str) -> ReceiptData:
    return receipt(language, kind="refund", number=43, refund_of=42, reason="Drink was warm", total=1_600_000)


def voucher_receipt(language: str) -> ReceiptData:
    lines = (ReceiptLine(purpose_name("topup", language), 1, 5_000_000, 5_000_000),)
    return receipt(
        language, method="voucher", purpose="topup", voucher_code=VOUCHER, lines=lines, total=5_000_000
    )


def shift_report(language: str) -> ShiftReportData:
    return ShiftReportData(
        branch=BRANCH,
        shift_id="sh-2026-11-25-a",
        cashier="Dilnoza",
        opened_at=ISSUED - 8 * 3_600_000,
        closed_at=ISSUED,
        timezone=TZ,
        language=language,
        currency="UZS",
        opening_float=50_000_000,
        methods=(
            MethodTotals("cash", 123_450_000, 123_150_000),
            MethodTotals("card", 80_000_000, 80_100_000),
            MethodTotals("balance", 35_000_000, None),
        ),
        payments_count=57,
        refunds_count=2,
        refunds_total=3_000_000,
        note="Short by 3 000",
        closed_by="Aziz",
        by_purpose=(("topup", 90_000_000), ("session", 110_000_000), ("sale", 40_000_000)),
    )


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with runs of whitespace (wrapped lines included) as single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def money(amount: int, language: str) -> str:
    return format_amount(amount, "UZS", language)


# ---------------------------------------------------------------------------------------------------------
# What the documents say


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_payment_receipt_says_what_was_paid(language: str, layout: Layout) -> None:
    t = texts(language)
    text = pdf_text(render_receipt(receipt(language), layout))
    for fact in (
        BRANCH.name,
        BRANCH.address,
        f"{t['tax_id']}: {BRANCH.tax_id}",
        BRANCH.phone,
        t["receipt_payment"],
        "main-000042",
        "2026-11-25 14:03",
        "Dilnoza",
        "Coca-Cola 0.5 l",
        "Lays",
        purpose_name("session", language),
        money(800_000, language),
        money(1_600_000, language),
        money(5_500_000, language),
        t["total"],
        method_name("cash", language),
        "bobur_77",
        t["balance_after"],
        money(12_345_600, language),
        t["thank_you"],
        "pay_01JDX4Q9R2",
    ):
        assert fact in text, fact
    assert t["receipt_refund"] not in text


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_card_receipt_shows_the_terminal_reference(language: str, layout: Layout) -> None:
    t = texts(language)
    text = pdf_text(render_receipt(card_receipt(language), layout))
    assert method_name("card", language) in text
    assert t["terminal_ref"] in text
    assert "APPR834201" in text
    assert t["balance_after"] not in text


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_refund_receipt_names_the_refunded_receipt_and_why(language: str, layout: Layout) -> None:
    t = texts(language)
    text = pdf_text(render_receipt(refund_receipt(language), layout))
    assert t["receipt_refund"] in text
    assert "main-000043" in text
    assert t["refund_of"] in text
    assert "main-000042" in text
    assert t["reason"] in text
    assert "Drink was warm" in text
    assert money(1_600_000, language) in text


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_voucher_receipt_masks_the_code(language: str, layout: Layout) -> None:
    text = pdf_text(render_receipt(voucher_receipt(language), layout))
    assert method_name("voucher", language) in text
    assert purpose_name("topup", language) in text
    assert "7KQ2" in text
    assert VOUCHER not in text
    assert "ABCD" not in text


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_shift_report_shows_totals_and_signed_differences(language: str, layout: Layout) -> None:
    t = texts(language)
    text = pdf_text(render_shift_report(shift_report(language), layout))
    for fact in (
        BRANCH.name,
        t["shift_title"],
        "sh-2026-11-25-a",
        t["cashier"],
        "Dilnoza",
        "2026-11-25 06:03",
        "2026-11-25 14:03",
        t["opening_float"],
        money(50_000_000, language),
        method_name("cash", language),
        method_name("card", language),
        method_name("balance", language),
        money(123_450_000, language),
        money(123_150_000, language),
        "-" + money(300_000, language),
        "+" + money(100_000, language),
        t["not_counted"],
        t["payments_count"],
        "57",
        t["refunds_total"],
        money(3_000_000, language),
        t["by_purpose"],
        purpose_name("topup", language),
        money(110_000_000, language),
        "Short by 3 000",
        t["closed_by"],
        "Aziz",
    ):
        assert fact in text, fact


def test_a4_shift_report_has_signature_lines() -> None:
    t = texts("ru")
    text = pdf_text(render_shift_report(shift_report("ru"), Layout.A4))
    assert t["signature_cashier"] in text
    assert t["signature_manager"] in text


@pytest.mark.parametrize("layout", list(Layout))
def test_shift_report_lists_unpaid_guest_sessions(layout: Layout) -> None:
    report = dataclasses.replace(
        shift_report("uz"), unpaid_sessions=(UnpaidSession("pc-007", 1_200_000, 200_000, "s1"),)
    )
    text = pdf_text(render_shift_report(report, layout))
    assert texts("uz")["unpaid_sessions"] in text
    assert "pc-007" in text
    assert "10 000 so'm" in text  # what is still owed
    assert texts("uz")["unpaid_sessions"] not in pdf_text(render_shift_report(shift_report("uz"), layout))


def test_an_unknown_language_prints_english() -> None:
    text = pdf_text(render_receipt(receipt("de"), Layout.A4))
    assert texts("en")["receipt_payment"] in text
    assert texts("en")["thank_you"] in text


# ---------------------------------------------------------------------------------------------------------
# Paper


@pytest.mark.parametrize("language", LANGS)
def test_thermal_pages_are_80mm_wide_and_fit_their_content(language: str) -> None:
    for pdf in (
        render_receipt(receipt(language), Layout.THERMAL),
        render_shift_report(shift_report(language), Layout.THERMAL),
    ):
        sizes = page_sizes(pdf)
        assert len(sizes) == 1
        width, height = sizes[0]
        assert width == pytest.approx(226.77, abs=0.5)
        assert width == pytest.approx(THERMAL_PAGE_WIDTH)
        assert 150 < height < 900


def test_thermal_page_grows_with_the_lines() -> None:
    few = page_sizes(render_receipt(receipt("en"), Layout.THERMAL))[0][1]
    many_lines = tuple(ReceiptLine(f"Item {i}", 1, 100_000, 100_000) for i in range(60))
    many = page_sizes(render_receipt(receipt("en", lines=many_lines), Layout.THERMAL))
    assert len(many) == 1
    assert many[0][1] > few + 60 * 15


@pytest.mark.parametrize("language", LANGS)
def test_a4_pages_are_a4(language: str) -> None:
    for pdf in (
        render_receipt(receipt(language), Layout.A4),
        render_shift_report(shift_report(language), Layout.A4),
    ):
        for width, height in page_sizes(pdf):
            assert width == pytest.approx(595, abs=0.5)
            assert height == pytest.approx(842, abs=0.5)


def test_a4_receipt_with_many_lines_continues_on_more_pages() -> None:
    lines = tuple(ReceiptLine(f"Item {i}", 1, 100_000, 100_000) for i in range(120))
    pdf = render_receipt(receipt("en", lines=lines, total=12_000_000), Layout.A4)
    assert len(page_sizes(pdf)) >= 2
    text = pdf_text(pdf)
    assert "Item 0 " in text
    assert "Item 119 " in text
    assert money(12_000_000, "en") in text


def test_rendering_is_deterministic() -> None:
    for layout in LAYOUTS:
        assert render_receipt(receipt("ru"), layout) == render_receipt(receipt("ru"), layout)
        assert render_shift_report(shift_report("uz"), layout) == render_shift_report(
            shift_report("uz"), layout
        )


# ---------------------------------------------------------------------------------------------------------
# Drawing: the PDF rasterizes, is not blank, and a thermal page has no blank tail


def rasterize(pdf: bytes, tmp_path: Path, name: str) -> Image.Image:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
        timeout=60,
        capture_output=True,
    )
    png = tmp_path / f"{name}.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(png)
    image.load()
    return image.convert("L")


def ink_rows(image: Image.Image) -> list[int]:
    """The indices of the pixel rows (of a greyscale image) that hold something darker than light grey."""
    width, height = image.size
    data = image.tobytes()
    return [y for y in range(height) if min(data[y * width : (y + 1) * width]) < 160]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", LANGS)
def test_documents_rasterize_and_are_not_blank(language: str, layout: Layout, tmp_path: Path) -> None:
    documents = {
        "receipt": render_receipt(receipt(language), layout),
        "voucher": render_receipt(voucher_receipt(language), layout),
        "shift": render_shift_report(shift_report(language), layout),
    }
    for name, pdf in documents.items():
        image = rasterize(pdf, tmp_path, name)
        rows = ink_rows(image)
        assert len(rows) > 40, name
        if layout is Layout.THERMAL:
            # The page ends just after the content: only the bottom margin (4 mm, ~10 px at 60 dpi) is blank.
            assert image.size[1] - 1 - rows[-1] < 20, name


# ---------------------------------------------------------------------------------------------------------
# Long text never leaves the page


def test_wrap_text_keeps_every_line_within_the_width() -> None:
    regular, _ = fonts.receipt_fonts()
    width = 120.0
    lines = wrap_text(LONG_NAME, regular, 8, width)
    assert len(lines) > 3
    assert all(stringWidth(line, regular, 8) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == LONG_NAME.replace(" ", "")


def test_wrap_text_ends_in_an_ellipsis_past_max_lines() -> None:
    regular, _ = fonts.receipt_fonts()
    lines = wrap_text(LONG_NAME, regular, 8, 120.0, max_lines=2)
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert stringWidth(lines[-1], regular, 8) <= 120.0


def test_wrap_text_keeps_short_text_and_blank_text() -> None:
    regular, _ = fonts.receipt_fonts()
    assert wrap_text("Coca-Cola", regular, 8, 200) == ["Coca-Cola"]
    assert wrap_text("", regular, 8, 200) == [""]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_long_product_name_stays_on_the_page(layout: Layout) -> None:
    lines = (ReceiptLine(LONG_NAME, 1, 1_000_000, 1_000_000),)
    pdf = render_receipt(receipt("en", lines=lines, total=1_000_000), layout)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    page_width = float(page.mediabox.width)
    regular, bold = fonts.receipt_fonts()
    overflow: list[str] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        name = bold if font is not None and "Bold" in str(font.get("/BaseFont", "")) else regular
        if x + stringWidth(text.rstrip(), name, size * cm[0]) > page_width - 5:
            overflow.append(text)

    page.extract_text(visitor_text=visit)
    assert overflow == []
    assert "Energy drink Adrenaline" in pdf_text(pdf)


def test_voucher_mask_hides_all_but_the_last_four() -> None:
    assert mask_voucher(VOUCHER) == "•••• 7KQ2"
    assert mask_voucher("AB12") == "••••"


# ---------------------------------------------------------------------------------------------------------
# Labels and fonts


def test_every_language_has_the_same_labels() -> None:
    keys = set(LANGUAGES["en"])
    for language, labels in LANGUAGES.items():
        assert set(labels) == keys, language
        assert all(value.strip() for value in labels.values()), language


def test_method_and_purpose_names() -> None:
    assert method_name("cash", "ru") == "Наличные"
    assert method_name("balance", "en") == "Member balance"
    assert purpose_name("topup", "en") == "Balance top-up"
    assert purpose_name("session", "uz") == "Kompyuter seansi"
    assert method_name("crypto", "en") == "crypto"  # unknown: the code itself
    assert purpose_name("sale", "xx") == purpose_name("sale", "en")


def test_fonts_are_looked_for_in_the_configured_directory_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    assert fonts.font_search_dirs()[0] == tmp_path
    assert fonts.find_font_dir([tmp_path]) is None
    (tmp_path / fonts.REGULAR_FILE).write_bytes(b"")
    assert fonts.find_font_dir([tmp_path]) is None  # the bold face is needed too
    (tmp_path / fonts.BOLD_FILE).write_bytes(b"")
    assert fonts.find_font_dir([tmp_path, Path("/nowhere")]) == tmp_path
    monkeypatch.delenv(fonts.FONT_DIR_ENV)
    assert fonts.font_search_dirs() == list(fonts.SYSTEM_FONT_DIRS)


def test_cyrillic_is_drawn_with_dejavu_when_it_is_installed() -> None:
    if fonts.find_font_dir(fonts.font_search_dirs()) is None:
        pytest.skip("DejaVu Sans is not installed (fonts-dejavu-core)")
    assert fonts.receipt_fonts() == (fonts.REGULAR, fonts.BOLD)
    reader = PdfReader(io.BytesIO(render_receipt(receipt("ru"), Layout.A4)))
    resources: Any = reader.pages[0]["/Resources"]
    names = {str(f.get_object()["/BaseFont"]) for f in resources["/Font"].values()}
    assert any(name.endswith("+DejaVuSans") for name in names)
    assert not any("Helvetica" in name for name in names)


def test_without_dejavu_receipts_fall_back_to_helvetica_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(fonts.FONT_DIR_ENV, str(tmp_path))
    monkeypatch.setattr(fonts, "SYSTEM_FONT_DIRS", (tmp_path / "none",))
    monkeypatch.setattr(fonts, "_registered", None)
    with caplog.at_level("WARNING", logger=fonts.__name__):
        assert fonts.receipt_fonts() == fonts.FALLBACK
        assert fonts.receipt_fonts() == fonts.FALLBACK
        text = pdf_text(render_receipt(receipt("en"), Layout.THERMAL))
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "fonts-dejavu-core" in warnings[0].getMessage()
    assert "Cyrillic" in warnings[0].getMessage()
    assert "main-000042" in text


def test_concurrent_renders_match_sequential_ones() -> None:
    """The hub renders in worker threads; the shared font objects must not mix documents up."""
    jobs = [(language, layout) for language in LANGS for layout in LAYOUTS] * 3
    expected = {job: render_receipt(receipt(job[0]), job[1]) for job in jobs}
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda job: render_receipt(receipt(job[0]), job[1]), jobs))
    assert results == [expected[job] for job in jobs]
