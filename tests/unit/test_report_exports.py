"""Reports as exports, without a hub: every section and column has its words in the three languages, and a
report's worksheets get names Excel accepts, distinct from each other."""

from __future__ import annotations

import pytest

from hub.exports.cells import duration_text
from hub.exports.reports import SECTIONS
from hub.exports.texts import has_title, word
from hub.exports.xlsx import sheet_name


@pytest.mark.parametrize("report", sorted(SECTIONS))
def test_every_section_and_column_has_words(report: str) -> None:
    assert word(f"kind:report_{report}", "ru") != f"report_{report}"
    for section in SECTIONS[report]:
        keys = [p.column.key for p in section.picks]
        assert len(set(keys)) == len(keys), section.key
        assert [key for key in keys if not has_title(key)] == [], section.key
        assert word(f"section:{section.key}", "uz") != section.key
    for language in ("en", "ru", "uz"):
        names = [sheet_name(section.table(language).title, 1) for section in SECTIONS[report]]
        assert len({name.lower() for name in names}) == len(names), (report, language)


def test_time_used_prints_as_hours_and_minutes() -> None:
    assert duration_text(0) == "0:00"
    assert duration_text(59_999) == "0:00"
    assert duration_text(125 * 3_600_000 + 7 * 60_000 + 30_000) == "125:07"
