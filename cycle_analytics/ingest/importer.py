"""The one entry point of the import path: a file (path, bytes or upload) -> tidy :class:`Survey`.

``import_survey`` = :func:`cycle_analytics.ingest.reading.read_raw` (file kind, encoding, delimiter,
Excel sheet, survey-tool header rows) followed by :func:`cycle_analytics.ingest.layouts.build_survey`
(long or wide layout, stages, scale, N/A codes, outcome, segments, row accounting).

Example
-------
>>> s = import_survey(b"id,wait,teller,overall\\nA,4,5,4\\nB,2,3,2\\n", file_name="demo.csv")
>>> s.info.format, s.info.stages, s.info.outcome, s.info.respondents, s.info.ratings
('wide', ('wait', 'teller'), 'overall', 2, 4)
"""

from __future__ import annotations

from cycle_analytics.dataset import ImportOptions, Survey, validate_import_options
from cycle_analytics.ingest.layouts import build_survey
from cycle_analytics.ingest.reading import read_raw

__all__ = ["import_survey"]


def import_survey(source, options: ImportOptions = ImportOptions(), *, file_name: str | None = None) -> Survey:
    """Import a survey file.

    Parameters
    ----------
    source : str, pathlib.Path, bytes or binary file-like
        A path, the file's bytes, or an object with ``read()`` such as Streamlit's ``UploadedFile``.
    options : ImportOptions, optional
        What the user told the importer (cycle, sheet, stages, outcome, N/A codes, scale, ...);
        ``None`` means the defaults.
    file_name : str, optional
        Name used in messages and for the file kind when ``source`` is bytes.

    Returns
    -------
    Survey
        ``ratings``, ``responses``, ``rejected`` and ``info`` (see ``cycle_analytics.dataset``).

    Raises
    ------
    SurveyError
        One sentence saying what is wrong and where, for any file that cannot be used.

    Examples
    --------
    >>> data = b"id;stage;score\\n1;Wait;4\\n1;Pay;5\\n2;Wait;3\\n2;Pay;N/A\\n"
    >>> s = import_survey(data, ImportOptions(na_values=("N/A",)), file_name="x.csv")
    >>> s.info.format, s.info.rows_read, s.info.rows_accepted, s.info.ratings, s.info.na_answers
    ('long', 4, 4, 3, 1)
    """
    options = validate_import_options(ImportOptions() if options is None else options)
    raw = read_raw(source, options, file_name=file_name)
    return build_survey(raw, options)
