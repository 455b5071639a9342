"""The seam between survey-tool exports and the plain readers.

A survey-tool export differs from a plain wide file only in its header rows and in some columns
the tool adds. A format module recognises the tool from a :class:`Preview` of the first rows and
returns an :class:`ExportLayout` that tells the plain wide reader which row holds the column ids,
which header rows to skip, the question text of each column and which columns are metadata or
personal data. The wide reader does the rest (N/A codes, scale, accounting), so every format gets
the same row accounting and error messages for free.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preview:
    """The first rows of a file, every cell as text, after decoding and delimiter detection.

    ``rows[0]`` is the file's first line. ``kind`` is ``"csv"`` or ``"xlsx"``; ``sheet`` the
    worksheet for Excel files.
    """

    rows: tuple[tuple[str, ...], ...]
    file_name: str = ""
    kind: str = "csv"
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class ExportLayout:
    """How to read a recognised survey-tool export as a wide table.

    * ``header_row``: index (in ``Preview.rows``) of the row whose cells become column names.
    * ``skip_rows``: indexes of further header rows that are not data (e.g. Qualtrics' question-text
      and ImportId rows). Data rows are all rows after ``max(header_row, *skip_rows)``, and the
      accounting's 1-based ``row`` counts data rows only.
    * ``columns``: the column names to use (same length as the header row; may differ from the raw
      header, e.g. SurveyMonkey's "question - option" combined names).
    * ``questions``: column name -> question text shown to the user and used for stage matching.
    * ``metadata``: columns that are never stages (ids, dates, status, progress, duration...).
    * ``personal``: columns with personal data (e-mail, names, IP address, location) dropped on
      import unless the user keeps them.
    * ``id_column`` / ``date_column``: the response id and the response date, when the tool has them.
    * ``drop_trailing_empty``: the export ends every line with a delimiter (legacy Qualtrics).
    * ``open_text``: columns the tool marks as open-ended (free text): comments, never segments.
    * ``value_labels``: column -> {code text: label} (SPSS / Stata files), ``missing_codes``:
      column -> code texts the file declares missing, ``measures``: column -> ``"nominal"``,
      ``"ordinal"`` or ``"scale"`` as declared.
    """

    format: str
    header_row: int
    columns: tuple[str, ...]
    skip_rows: tuple[int, ...] = ()
    questions: dict = field(default_factory=dict)
    metadata: frozenset = frozenset()
    personal: frozenset = frozenset()
    id_column: str | None = None
    date_column: str | None = None
    drop_trailing_empty: bool = False
    notes: tuple[str, ...] = ()
    open_text: frozenset = frozenset()
    value_labels: dict = field(default_factory=dict)
    missing_codes: dict = field(default_factory=dict)
    measures: dict = field(default_factory=dict)

    @property
    def data_start(self) -> int:
        return max((self.header_row, *self.skip_rows)) + 1
