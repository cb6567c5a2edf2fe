"""Receipts and shift reports as PDF, on A4 or on 80 mm thermal roll paper.

Everything is laid out with reportlab's platypus tables of plain strings that are wrapped here, so that
no text is ever wider than its column: long words break, very long descriptions end in an ellipsis, and
amounts get columns as wide as their widest value. A thermal page is exactly as tall as its content.

Rendering is pure CPU work without I/O (the hub calls it through ``asyncio.to_thread``), and the PDF is
byte-for-byte the same for the same data.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable, HRFlowable

from billing.money import format_amount
from billing.tariffs import local_time
from hub.receipts.fonts import receipt_fonts
from hub.receipts.model import BranchHeader, Layout, MethodTotals, ReceiptData, ShiftReportData
from hub.receipts.texts import method_name, purpose_name, texts

Pair = tuple[str, str]

THERMAL_PAGE_WIDTH = 80 * mm
THERMAL_PRINTABLE_WIDTH = 72 * mm
ELLIPSIS = "…"
TIMES = "\u00d7"  # the multiplication sign
MASK = "••••"
_PAD = 3.0  # horizontal padding inside table columns
_GREY = colors.Color(0.4, 0.4, 0.4)
_LIGHT = colors.Color(0.75, 0.75, 0.75)


# ---------------------------------------------------------------------------------------------------------
# Text fitting


def ellipsize(text: str, font: str, size: float, width: float, *, force: bool = False) -> str:
    """``text`` cut to ``width`` with a trailing ellipsis; unchanged if it fits (and ``force`` is off)."""
    if not force and stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _break_word(word: str, font: str, size: float, width: float) -> list[str]:
    """``word`` in pieces no wider than ``width`` (at least one character each)."""
    pieces: list[str] = []
    while stringWidth(word, font, size) > width and len(word) > 1:
        cut = 1
        while cut < len(word) and stringWidth(word[: cut + 1], font, size) <= width:
            cut += 1
        pieces.append(word[:cut])
        word = word[cut:]
    return [*pieces, word]


def wrap_text(text: str, font: str, size: float, width: float, max_lines: int = 0) -> list[str]:
    """``text`` as lines no wider than ``width``; past ``max_lines`` (when set) the last ends in "…"."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if stringWidth(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            *full, line = _break_word(word, font, size, width)
            lines.extend(full)
        lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], ellipsize(lines[max_lines - 1], font, size, width, force=True)]
    return lines


def mask_voucher(code: str) -> str:
    """A voucher code with all but its last 4 characters hidden: ``"•••• 7KQ2"``."""
    return f"{MASK} {code[-4:]}" if len(code) > 4 else MASK


def receipt_number(branch: BranchHeader, number: int) -> str:
    """How a receipt number is printed: ``"main-000042"``."""
    return f"{branch.code}-{number:06d}"


def _time(at_ms: int, timezone: str) -> str:
    return local_time(at_ms, timezone).strftime("%Y-%m-%d %H:%M")


def _signed(amount: int, currency: str, language: str) -> str:
    text = format_amount(amount, currency, language)
    return f"+{text}" if amount > 0 else text


# ---------------------------------------------------------------------------------------------------------
# Building blocks


@dataclass(frozen=True)
class _Style:
    thermal: bool
    page_width: float
    margin: float
    size: float  # body text
    small: float
    heading: float  # the cafe's name
    title: float
    regular: str
    bold: str

    @property
    def width(self) -> float:
        return self.page_width - 2 * self.margin

    def font(self, bold: bool) -> str:
        return self.bold if bold else self.regular

    def rule(self, strong: bool = False) -> Flowable:
        return HRFlowable(
            width="100%",
            thickness=0.8 if strong else 0.4,
            color=colors.black if strong else _GREY,
            dash=None if strong or not self.thermal else (1.5, 1.5),
            spaceBefore=self.size * 0.5,
            spaceAfter=self.size * 0.5,
        )

    def gap(self, lines: float = 0.6) -> Flowable:
        return Spacer(1, self.size * lines)


def _style(layout: Layout) -> _Style:
    regular, bold = receipt_fonts()
    if Layout(layout) is Layout.THERMAL:
        margin = (THERMAL_PAGE_WIDTH - THERMAL_PRINTABLE_WIDTH) / 2
        return _Style(True, THERMAL_PAGE_WIDTH, margin, 8, 6.5, 10, 11, regular, bold)
    return _Style(False, A4[0], 18 * mm, 10, 7.5, 14, 16, regular, bold)


def _table(
    rows: list[list[str]], widths: list[float], style: _Style, size: float, *cmds: Any, header: bool = False
) -> Flowable:
    """A table of plain strings (already wrapped, lines joined by newlines), without padding by default.

    With ``header``, the first row is repeated when the table continues on another page.
    """
    base = [
        ("FONTNAME", (0, 0), (-1, -1), style.regular),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.25),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 0.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
    table.setStyle(TableStyle([*base, *cmds]))
    return table


def _text(
    text: str, style: _Style, *, size: float = 0, bold: bool = False, align: str = "LEFT", grey: bool = False
) -> Flowable:
    """A paragraph of ``text`` across the full width, wrapped."""
    size = size or style.size
    font = style.font(bold)
    lines = wrap_text(text, font, size, style.width)
    return _table(
        [[line] for line in lines],
        [style.width],
        style,
        size,
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("ALIGN", (0, 0), (-1, -1), align),
        ("TEXTCOLOR", (0, 0), (-1, -1), _GREY if grey else colors.black),
    )


def _pairs(
    pairs: Sequence[Pair], style: _Style, *, bold: bool = False, size: float = 0, right: bool | None = None
) -> Flowable:
    """Label/value rows; values are right-aligned on thermal paper (or when ``right``), else in a column.

    On thermal paper a value too long for one line (a note, a reason) goes under its label, full width.
    On A4 the rows are inset like the text in grids, so that labels and amounts line up with theirs.
    """
    size = size or style.size
    font = style.font(bold)
    inset = 0 if style.thermal else _PAD
    label_width = style.width * (0.5 if style.thermal else 0.32)
    value_width = style.width - label_width
    rows: list[list[str]] = []
    cmds: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("ALIGN", (1, 0), (1, -1), "RIGHT" if (style.thermal if right is None else right) else "LEFT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (0, -1), inset),
        ("RIGHTPADDING", (1, 0), (1, -1), inset),
    ]
    for label, value in pairs:
        label_text = "\n".join(wrap_text(label, font, size, label_width - inset - _PAD))
        value_lines = wrap_text(value, font, size, value_width - inset)
        if style.thermal and len(value_lines) > 1:
            rows.append([label_text, ""])
            row = len(rows)
            cmds += [("SPAN", (0, row), (1, row)), ("LEFTPADDING", (0, row), (0, row), size)]
            rows.append(["\n".join(wrap_text(value, font, size, style.width - size)), ""])
        else:
            rows.append([label_text, "\n".join(value_lines)])
    return _table(rows, [label_width, value_width], style, size, *cmds)


def _column_width(values: Sequence[str], font: str, size: float, at_most: float) -> float:
    """As wide as the widest of ``values`` plus padding, but no wider than ``at_most``."""
    return min(max(float(stringWidth(v, font, size)) for v in values) + 2 * _PAD, at_most)


def _grid(header: list[str], body: list[list[str]], style: _Style, *, first_bold: bool = False) -> Flowable:
    """A table whose first column is text (it takes the remaining width) and the others right-aligned."""
    size = style.size
    cells = [header, *body]
    widths = [
        _column_width([row[i] for row in cells], style.bold, size, style.width / 4)
        for i in range(1, len(header))
    ]
    first = style.width - sum(widths)
    wrapped = [
        [
            "\n".join(wrap_text(row[0], style.font(first_bold or i == 0), size, first - 2 * _PAD, 4)),
            *row[1:],
        ]
        for i, row in enumerate(cells)
    ]
    cmds: list[Any] = [
        ("FONTNAME", (0, 0), (-1, 0), style.bold),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), _PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), _PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, _LIGHT),
    ]
    if first_bold:
        cmds.append(("FONTNAME", (0, 1), (0, -1), style.bold))
    return _table(wrapped, [first, *widths], style, size, *cmds, header=True)


def _thermal_lines(data: ReceiptData, style: _Style) -> Flowable:
    """Receipt lines in two rows each: the description, then quantity times price and the amount."""
    t = texts(data.language)
    size = style.size
    amounts = [format_amount(line.total, data.currency, data.language) for line in data.lines]
    amount_width = _column_width([t["amount"], *amounts], style.bold, size, style.width / 2)
    rows: list[list[str]] = [[t["description"], t["amount"]]]
    cmds: list[Any] = [
        ("FONTNAME", (0, 0), (-1, 0), style.bold),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.4, _GREY, 0, (1.5, 1.5)),
        ("BOTTOMPADDING", (0, 0), (-1, 0), 2),
    ]
    for line, amount in zip(data.lines, amounts, strict=True):
        described = len(rows)
        description = wrap_text(line.description, style.regular, size, style.width, 3)
        price = format_amount(line.unit_price, data.currency, data.language)
        detail_width = style.width - amount_width - _PAD - size  # indented by ``size``
        detail = wrap_text(f"{line.quantity} {TIMES} {price}", style.regular, size, detail_width)
        rows += [["\n".join(description), ""], ["\n".join(detail), amount]]
        cmds += [
            ("SPAN", (0, described), (1, described)),
            ("TOPPADDING", (0, described), (-1, described), 2.5),
            ("LEFTPADDING", (0, described + 1), (0, described + 1), size),
        ]
    return _table(rows, [style.width - amount_width, amount_width], style, size, *cmds)


def _a4_lines(data: ReceiptData, style: _Style) -> Flowable:
    t = texts(data.language)
    money = data.currency, data.language
    body = [
        [
            line.description,
            str(line.quantity),
            format_amount(line.unit_price, *money),
            format_amount(line.total, *money),
        ]
        for line in data.lines
    ]
    return _grid([t["description"], t["quantity"], t["price"], t["amount"]], body, style)


def _branch_header(branch: BranchHeader, language: str, style: _Style) -> list[Flowable]:
    t = texts(language)
    align = "CENTER" if style.thermal else "LEFT"
    flows = [_text(branch.name, style, size=style.heading, bold=True, align=align)]
    if branch.address:
        flows.append(_text(branch.address, style, align=align))
    ids = [f"{t['tax_id']}: {branch.tax_id}"] if branch.tax_id else []
    ids += [f"{t['phone']}: {branch.phone}"] if branch.phone else []
    if ids:
        flows.append(_text(" · ".join(ids), style, align=align))
    return flows


def _title(title: str, subtitle: str, style: _Style) -> list[Flowable]:
    return [
        _text(title, style, size=style.title, bold=True, align="CENTER"),
        style.gap(0.2),
        _text(subtitle, style, bold=True, align="CENTER"),
        style.gap(0.6),
    ]


def _build(flows: list[Flowable], style: _Style, title: str, author: str) -> bytes:
    """The PDF of ``flows``: A4 pages, or one thermal page exactly as tall as the content."""
    height = A4[1]
    if style.thermal:
        height = _content_height(flows, style.width) + 2 * style.margin + 1
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=(style.page_width, height),
        leftMargin=style.margin,
        rightMargin=style.margin,
        topMargin=style.margin,
        bottomMargin=style.margin,
        title=title,
        author=author,
        creator="icafe",
        invariant=1,
        initialFontName=style.regular,
    )
    frame = Frame(
        style.margin,
        style.margin,
        style.width,
        height - 2 * style.margin,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="content",
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(flows)
    return buffer.getvalue()


def _content_height(flows: list[Flowable], width: float) -> float:
    """How much height ``flows`` take stacked in a frame ``width`` wide (an upper bound of a point or so)."""
    total = 0.0
    for i, flow in enumerate(flows):
        _, height = flow.wrap(width, 1_000_000)
        before = flow.getSpaceBefore() if i else 0
        after = flow.getSpaceAfter() if i < len(flows) - 1 else 0
        total += float(before) + float(height) + float(after)
    return total


# ---------------------------------------------------------------------------------------------------------
# Documents


def _receipt_facts(data: ReceiptData) -> list[Pair]:
    t = texts(data.language)
    facts = [(t["date"], _time(data.issued_at, data.timezone)), (t["staff"], data.staff)]
    if data.member:
        facts.append((t["member"], data.member))
    if data.kind == "refund" and data.refund_of is not None:
        facts.append((t["refund_of"], receipt_number(data.branch, data.refund_of)))
    if data.kind == "refund" and data.reason:
        facts.append((t["reason"], data.reason))
    return facts


def _payment_facts(data: ReceiptData) -> list[Pair]:
    t = texts(data.language)
    facts = [(t["method"], method_name(data.method, data.language))]
    if data.terminal_ref:
        facts.append((t["terminal_ref"], data.terminal_ref))
    if data.voucher_code:
        facts.append((t["voucher"], mask_voucher(data.voucher_code)))
    if data.balance_after is not None:
        facts.append((t["balance_after"], format_amount(data.balance_after, data.currency, data.language)))
    return facts


def render_receipt(data: ReceiptData, layout: Layout) -> bytes:
    """The receipt as a PDF: A4, or 80 mm roll paper with the page as tall as the receipt."""
    style = _style(layout)
    t = texts(data.language)
    title = t["receipt_refund"] if data.kind == "refund" else t["receipt_payment"]
    number = receipt_number(data.branch, data.number)
    total = format_amount(data.total, data.currency, data.language)
    lines = _thermal_lines(data, style) if style.thermal else _a4_lines(data, style)
    flows = [
        *_branch_header(data.branch, data.language, style),
        style.rule(strong=True),
        *_title(title, f"{t['number']} {number}", style),
        _pairs(_receipt_facts(data), style),
        style.rule(),
        lines,
        style.gap(0.5),
        _pairs([(t["total"], total)], style, bold=True, size=style.size * 1.25, right=True),
        style.rule(),
        _pairs(_payment_facts(data), style),
        style.gap(1.2),
        _text(t["thank_you"], style, bold=True, align="CENTER"),
        style.gap(0.6),
        _text(f"{t['payment_id']}: {data.payment_id}", style, size=style.small, align="CENTER", grey=True),
    ]
    return _build(flows, style, f"{title} {number}", data.branch.name)


def _method_cells(row: MethodTotals, data: ShiftReportData) -> tuple[str, str, str]:
    money = data.currency, data.language
    not_counted = texts(data.language)["not_counted"]
    counted = not_counted if row.counted is None else format_amount(row.counted, *money)
    difference = not_counted if row.difference is None else _signed(row.difference, *money)
    return format_amount(row.expected, *money), counted, difference


def _methods(data: ShiftReportData, style: _Style) -> list[Flowable]:
    t = texts(data.language)
    if not style.thermal:
        body = [[method_name(m.method, data.language), *_method_cells(m, data)] for m in data.methods]
        header = [t["method"], t["expected"], t["counted"], t["difference"]]
        return [_grid(header, body, style, first_bold=True)]
    flows: list[Flowable] = []
    for row in data.methods:
        expected, counted, difference = _method_cells(row, data)
        flows += [
            _text(method_name(row.method, data.language), style, bold=True),
            _pairs(
                [(t["expected"], expected), (t["counted"], counted), (t["difference"], difference)], style
            ),
            style.gap(0.4),
        ]
    return flows


def _signatures(data: ShiftReportData, style: _Style) -> Flowable:
    """Two lines to sign on, side by side, with what each signature is for under it."""
    t = texts(data.language)
    line, gap = style.width * 0.42, style.width * 0.16
    return _table(
        [["", "", ""], [t["signature_cashier"], "", t["signature_manager"]]],
        [line, gap, line],
        style,
        style.small,
        ("LINEBELOW", (0, 0), (0, 0), 0.6, colors.black),
        ("LINEBELOW", (2, 0), (2, 0), 0.6, colors.black),
        ("TOPPADDING", (0, 0), (-1, 0), 28),
        ("TOPPADDING", (0, 1), (-1, 1), 2),
        ("TEXTCOLOR", (0, 1), (-1, 1), _GREY),
    )


def render_shift_report(data: ShiftReportData, layout: Layout) -> bytes:
    """The cashier's shift report as a PDF: A4, or 80 mm roll paper with the page as tall as the report."""
    style = _style(layout)
    t = texts(data.language)
    money = data.currency, data.language
    summary = [
        (t["cashier"], data.cashier),
        (t["opened"], _time(data.opened_at, data.timezone)),
        (t["closed"], _time(data.closed_at, data.timezone)),
        (t["opening_float"], format_amount(data.opening_float, *money)),
    ]
    counts = [
        (t["payments_count"], str(data.payments_count)),
        (t["refunds_count"], str(data.refunds_count)),
        (t["refunds_total"], format_amount(data.refunds_total, *money)),
    ]
    flows = [
        *_branch_header(data.branch, data.language, style),
        style.rule(strong=True),
        *_title(t["shift_title"], f"{t['shift']} {data.shift_id}", style),
        _pairs(summary, style),
        style.rule(),
        *_methods(data, style),
        style.rule(),
        _pairs(counts, style),
    ]
    if data.by_purpose:
        by_purpose = [(purpose_name(p, data.language), format_amount(a, *money)) for p, a in data.by_purpose]
        flows += [
            style.rule(),
            _text(t["by_purpose"], style, bold=True),
            style.gap(0.3),
            _pairs(by_purpose, style),
        ]
    if data.unpaid_sessions:
        unpaid = [(s.pc_id, format_amount(s.owed - s.paid, *money)) for s in data.unpaid_sessions]
        flows += [
            style.rule(),
            _text(t["unpaid_sessions"], style, bold=True),
            style.gap(0.3),
            _pairs(unpaid, style),
        ]
    closing = [(t["note"], data.note)] if data.note else []
    closing += [(t["closed_by"], data.closed_by)] if data.closed_by else []
    if closing:
        flows += [style.rule(), _pairs(closing, style)]
    if not style.thermal:
        flows += [style.gap(2), _signatures(data, style)]
    return _build(flows, style, f"{t['shift_title']} {data.shift_id}", data.branch.name)
