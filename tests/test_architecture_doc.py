"""docs/architecture.md lists the columns of every Analysis table: the list must stay true."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd

from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.stats.analysis import Analysis, analyze

ROOT = Path(__file__).resolve().parents[1]


def documented_columns() -> dict[str, list[str]]:
    """Rows of the "Analysis field | built by | columns" table of the architecture page."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## Analytics outputs"):text.index("## Figures (")]
    rows = re.findall(r"^\| `(\w+)` \| .* \| `([^`]+)` \|$", section, flags=re.MULTILINE)
    return {field: [c.strip() for c in columns.split(",")] for field, columns in rows}


def test_every_analysis_table_is_documented_with_its_columns_in_order():
    analysis = analyze(import_survey(ROOT / "data" / "sample" / "bank_visit_long.csv"))
    tables = {f.name: getattr(analysis, f.name) for f in dataclasses.fields(Analysis)
              if isinstance(getattr(analysis, f.name), pd.DataFrame)}
    documented = documented_columns()
    assert set(documented) == set(tables)
    for field, frame in tables.items():
        assert documented[field] == list(frame.columns), field
