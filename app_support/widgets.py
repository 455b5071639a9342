"""Shared layout helpers: chart + caption + CSV download, safe CSV export, guard messages, formats.

``safe_csv`` neutralises spreadsheet formulas (a text cell starting with ``= + - @``, tab or CR gets
a leading apostrophe) through ``cycle_analytics.outputs.export``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from cycle_analytics.i18n import (DEFAULT_LANGUAGE, N_, current_language, format_date, format_decimal, format_number,
                                  format_p_value, format_percent)
from cycle_analytics.i18n import gettext as _
from cycle_analytics.outputs.export import to_csv_bytes

from . import presenting, state, tables
from .escaping import md_escape  # noqa: F401 - the one escaping function; pages call it as widgets.md_escape

STAGE_DETAIL_PAGE = "app_pages/stage_detail.py"  # where a click on a stage leads (path from app.py)


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes for spreadsheets with formula-like text cells and headers neutralised
    (``cycle_analytics.outputs.export.to_csv_bytes``: a leading apostrophe before ``= + - @``, tab, CR)."""
    return to_csv_bytes(df)


def download_button(df: pd.DataFrame, file_name: str, key: str, label: str = N_("Download CSV")) -> None:
    """A CSV download of ``df`` (formulas neutralised) that does not rerun the app; ``label`` is
    English, marked for translation, and shown in the interface language."""
    st.download_button(_(label), data=safe_csv(df), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore", icon=":material/download:")


def chart(fig, data: pd.DataFrame | None, caption: str, key: str, *, selectable: bool = False,
          file_name: str | None = None) -> str | None:
    """Show a Plotly figure, a one-line caption saying how to read it, a CSV download of ``data``
    and a PNG download of the chart (drawn when clicked).

    With ``selectable`` the chart reports point clicks; the clicked stage (``customdata[0]`` of the
    point, as every stage-bearing trace of ``cycle_analytics.figures`` carries) is returned.
    """
    event = st.plotly_chart(
        fig,
        key=key,
        on_select="rerun" if selectable else "ignore",
        selection_mode="points" if selectable else ("points", "box", "lasso"),
        # the toolbar shows on hover (always shown, it covers legends); the PNG button below is the obvious way
        config={"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": key, "scale": 2}},
    )
    st.caption(caption)
    with st.container(horizontal=True, gap="small"):  # buttons at their natural width: labels are never cut
        # One click, a picture for slides: drawn on the server (kaleido) only when the button is clicked.
        st.download_button(_("Download the chart (PNG)"), data=presenting.png_builder(fig), file_name=f"{key}.png",
                           mime="image/png", key=f"{key}__png", on_click="ignore", icon=":material/image:",
                           help=_("The chart as a picture, for slides and documents"), width="content")
        if data is not None:
            download_button(data, file_name or f"{key}.csv", key=f"{key}__csv", label=N_("Download the data (CSV)"))
    if selectable:
        return selected_stage(event)
    return None


def selected_stage(event) -> str | None:
    """The stage of the first selected point of a ``st.plotly_chart`` selection event."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for p in points or ():
        cd = p.get("customdata")
        if isinstance(cd, (list, tuple)) and cd:
            return str(cd[0])
        if isinstance(cd, str):
            return cd
    return None


def open_stage(stage: str) -> None:
    """Remember ``stage`` (state + URL) and switch to the Stage detail page."""
    st.session_state[state.STAGE] = stage
    st.session_state.pop(state.STAGE_SELECT, None)
    qp = state.current_query_params()
    qp[state.Q_STAGE] = [stage]
    st.switch_page(STAGE_DETAIL_PAGE, query_params=qp)


def table(df: pd.DataFrame, *, key: str | None = None, height: int | str = "auto", column_config=None) -> None:
    """A dataframe shown as data (text is never interpreted as markdown or HTML).

    Numbers get readable formats (p-values to 4 decimals, other floats to 2, dates as dates);
    ``column_config`` entries win. ``height="all"`` shows every row without scrolling.
    """
    config = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_float_dtype(s):
            name = str(col)
            fmt = "%.4f" if name.startswith("p_") or name.endswith("_p_adjusted") else "%.2f"
            config[col] = st.column_config.NumberColumn(format=fmt)
        elif pd.api.types.is_datetime64_any_dtype(s):
            config[col] = st.column_config.DateColumn(format="YYYY-MM-DD")
    config.update(column_config or {})
    if height == "all":
        height = 38 + 35 * max(1, len(df))
    st.dataframe(df, hide_index=True, width="stretch", height=height, column_config=config, key=key, placeholder="")


HEADER_CHAR_PX, HEADER_PADDING_PX = 8, 36  # the grid's header font; sort arrow and tooltip mark


def header_fit_width(label: str, values: pd.Series) -> int | None:
    """A column width in pixels that shows the whole header, or None (Streamlit's default: fit the
    cells) when the cells are already wider than the header. Streamlit sizes a column to its cells
    only, so a long header over short numbers is cut ("Drop, one stage at a tim")."""
    cells = values.dropna().astype(str).str.len()
    widest_cell = int(cells.max()) if len(cells) else 0
    if len(label) <= max(widest_cell, 6):
        return None
    return len(label) * HEADER_CHAR_PX + HEADER_PADDING_PX


def plain_table(df: pd.DataFrame, columns, *, key: str, outcome: str = "the outcome", height: int | str = "auto",
                column_config=None, labels=None, widths=None, vocabulary=None) -> None:
    """A table a manager reads: the ``columns`` of ``df`` it has, under plain headers with the
    statistical term as the header's tooltip (``app_support.tables.plain_table``; ``vocabulary`` for a
    table with words of its own, such as ``tables.THEME_WORDS``); counts with thousands separators,
    other numbers with their decimals, shares with %, flags as ticks. ``widths`` (shown label ->
    ``"small"``, ``"medium"`` or ``"large"``) sizes columns so that none is cut off."""
    frame, words = tables.plain_table(df, columns, outcome, labels, vocabulary)
    config = {}
    localized = current_language() != DEFAULT_LANGUAGE
    for label, w in words.items():
        width = (widths or {}).get(label) or header_fit_width(label, frame[label])
        if (localized and w.kind in LOCALIZED_TEXT) or w.kind == "p":  # a p-value reads "< 0.001", never "0.0000"
            # Streamlit writes a column's numbers with an English decimal point (printf formats) or in the
            # browser's locale ("localized"): another interface language gets them as its own text
            frame[label] = frame[label].map(lambda x, w=w: "" if pd.isna(x) else LOCALIZED_TEXT[w.kind](x, w.digits))
            config[label] = st.column_config.TextColumn(label, help=w.term or None, width=width, alignment="right")
        elif w.kind == "count":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format="localized", width=width)
        elif w.kind == "number":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format=f"%.{w.digits}f", width=width)
        elif w.kind == "percent":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format=f"%.{w.digits}f%%", width=width)
        elif w.kind == "share":
            config[label] = st.column_config.ProgressColumn(label, help=w.term or None, min_value=0.0, max_value=1.0,
                                                            format="percent", width=width)
        elif w.kind == "flag":
            config[label] = st.column_config.CheckboxColumn(label, help=w.term or None, width=width)
        else:
            config[label] = st.column_config.TextColumn(label, help=w.term or None, width=width)
    config.update(column_config or {})
    if height == "all":
        height = 38 + 35 * max(1, len(frame))
    st.dataframe(frame, hide_index=True, width="stretch", height=height, column_config=config, key=key,
                 placeholder="")  # a missing value shows as an empty cell, never "None"


#: How :func:`plain_table` writes a number of each kind in an interface language other than English.
LOCALIZED_TEXT = {
    "count": lambda x, digits: format_number(x),
    "number": lambda x, digits: format_decimal(x, digits),
    "p": lambda x, digits: format_p_value(x),
    "percent": lambda x, digits: format_percent(x / 100, digits),
}


def segment_picker(column: str, options: list, pending: dict) -> list:
    """The sidebar's multiselect of the segment ``column`` over ``options`` (empty = all), starting
    from the link's values when ``pending`` has them; values no longer offered are dropped."""
    ss = st.session_state
    key = state.segment_key(column)
    want = (pending.get("segments") or {}).get(column)
    if want:
        ss[key] = [v for v in want if v in options]
    if key in ss:
        ss[key] = [v for v in ss[key] if v in options]
    return st.multiselect(md_escape(column), options=options, key=key, placeholder=_("All"))


def outcome_picker(columns, default: str, pending: dict) -> str | None:
    """The sidebar's outcome selector over ``columns`` plus the proxy (``default`` first, or the
    link's ``outcome`` when it is in ``pending``): the chosen column, ``None`` for the proxy."""
    ss = st.session_state
    options = [*columns, state.PROXY_LABEL]
    if state.Q_OUTCOME in pending:
        want = pending[state.Q_OUTCOME]
        ss[state.OUTCOME] = state.PROXY_LABEL if want == "none" else (want if want in options else default)
    if ss.get(state.OUTCOME) not in options:
        ss[state.OUTCOME] = default
    picked = st.selectbox(_("Outcome"), options=options, key=state.OUTCOME,
                          format_func=lambda k: _(k) if k == state.PROXY_LABEL else k,
                          help=_("The overall result a stage can spoil. Without one, each respondent's mean over "
                                 "their other stages is the proxy."))
    return None if picked == state.PROXY_LABEL else picked


def date_range_picker(span: tuple | None, pending: dict) -> tuple[tuple | None, tuple | None]:
    """The sidebar's date-range picker over ``span`` (the first and last date; None: no picker),
    starting from the link's ``from``/``to`` when they are in ``pending``: ``(picked, span)``."""
    if span is None:
        return None, None
    ss = st.session_state
    if pending.get(state.Q_FROM) and pending.get(state.Q_TO):
        a, b = state.parse_date(pending[state.Q_FROM]), state.parse_date(pending[state.Q_TO])
        if a and b and a <= b:
            ss[state.DATE_RANGE] = (max(a, span[0]), min(b, span[1]))
    if state.DATE_RANGE not in ss:
        ss[state.DATE_RANGE] = span
    picked = st.date_input(_("Date range"), min_value=span[0], max_value=span[1], key=state.DATE_RANGE)
    return (tuple(picked) if isinstance(picked, (tuple, list)) and len(picked) == 2 else span), span


def require_view(*, need_analysis: bool = True):
    """The current view, or stop the page with a helpful message when there is nothing to show."""
    v = state.view()
    if v is None or (v.survey is None and v.warehouse is None):
        if v is not None and v.error:
            st.error(md_escape(v.error))  # the sentence quotes the file name: text, not markup
            st.info(_("Upload another file in the sidebar, or remove the upload to go back to the sample."))
        else:
            st.info(_("No survey is loaded yet: choose a sample or upload a file in the sidebar."))
        st.stop()
    if (v.filtered is not None and len(v.filtered.responses) == 0) or (v.warehouse is not None and v.warehouse.respondents == 0):
        st.info(_("No respondent matches the current filters. Widen the date range or clear a segment filter in the sidebar."))
        st.stop()
    if need_analysis and v.analysis is None:
        st.error(v.analysis_error or _("The survey could not be analysed."))
        st.stop()
    return v


def outcome_note(v) -> None:
    """Say which outcome the analyses use (and that a proxy is used when there is none)."""
    spec = v.outcome
    if spec is None:
        return
    if spec.is_proxy:
        st.info(_("No outcome chosen: importance and penalties use each respondent's mean over their other stages as a "
                  "proxy outcome, so the other stages cannot be held fixed and the halo (unhappy customers rate every "
                  "stage lower) can make many stages look critical. Pick the overall question in the sidebar when the "
                  "survey has one."), icon=":material/info:")
    else:
        st.caption(_("Outcome: **{outcome}**").format(outcome=md_escape(spec.display())))


def fmt_num(x, digits: int = 2) -> str:
    """``x`` with thousands separators and ``digits`` decimals in the interface language
    (:func:`cycle_analytics.i18n.format_decimal`); ``–`` for a missing number, text as it is."""
    if isinstance(x, str):
        return x
    return format_decimal(x, digits)


def fmt_timestamp(text) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM UTC`` (the ISO way reads the same in every language;
    ``an earlier session`` in the interface language when unreadable)."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return _("an earlier session")
    return f"{format_date(moment, 'yyyy-MM-dd')} {moment:%H:%M} UTC"


def file_stem(name: str, fallback: str) -> str:
    """A download file name stem from a display name: lower case, ``_`` for other characters."""
    return "".join(ch if ch.isalnum() else "_" for ch in name.casefold()).strip("_") or fallback
