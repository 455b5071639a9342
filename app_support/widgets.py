"""Shared layout helpers: chart + caption + CSV download, safe CSV export, guard messages, formats.

``safe_csv`` neutralises spreadsheet formulas (a text cell starting with ``= + - @``, tab or CR gets
a leading apostrophe) through ``cycle_analytics.outputs.export``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

from cycle_analytics.outputs.export import to_csv_bytes

from . import presenting, state, tables
from .escaping import md_escape  # noqa: F401 - the one escaping function; pages call it as widgets.md_escape

STAGE_DETAIL_PAGE = "app_pages/stage_detail.py"  # where a click on a stage leads (path from app.py)


def safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes for spreadsheets with formula-like text cells and headers neutralised
    (``cycle_analytics.outputs.export.to_csv_bytes``: a leading apostrophe before ``= + - @``, tab, CR)."""
    return to_csv_bytes(df)


def download_button(df: pd.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of ``df`` (formulas neutralised) that does not rerun the app."""
    st.download_button(label, data=safe_csv(df), file_name=file_name, mime="text/csv", key=key,
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
        st.download_button("Download the chart (PNG)", data=presenting.png_builder(fig), file_name=f"{key}.png",
                           mime="image/png", key=f"{key}__png", on_click="ignore", icon=":material/image:",
                           help="The chart as a picture, for slides and documents", width="content")
        if data is not None:
            download_button(data, file_name or f"{key}.csv", key=f"{key}__csv", label="Download the data (CSV)")
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


def plain_table(df: pd.DataFrame, columns, *, key: str, outcome: str = "the outcome", height: int | str = "auto",
                column_config=None, labels=None, widths=None) -> None:
    """A table a manager reads: the ``columns`` of ``df`` it has, under plain headers with the
    statistical term as the header's tooltip (``app_support.tables.plain_table``); counts with
    thousands separators, other numbers with their decimals, shares with %. ``widths`` (shown label ->
    ``"small"``, ``"medium"`` or ``"large"``) sizes columns so that none is cut off."""
    frame, words = tables.plain_table(df, columns, outcome, labels)
    config = {}
    for label, w in words.items():
        width = (widths or {}).get(label)
        if w.kind == "count":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format="localized", width=width)
        elif w.kind == "number":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format=f"%.{w.digits}f", width=width)
        elif w.kind == "p":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format="%.4f", width=width)
        elif w.kind == "percent":
            config[label] = st.column_config.NumberColumn(label, help=w.term or None, format=f"%.{w.digits}f%%", width=width)
        elif w.kind == "share":
            config[label] = st.column_config.ProgressColumn(label, help=w.term or None, min_value=0.0, max_value=1.0,
                                                            format="percent", width=width)
        else:
            config[label] = st.column_config.TextColumn(label, help=w.term or None, width=width)
    config.update(column_config or {})
    if height == "all":
        height = 38 + 35 * max(1, len(frame))
    st.dataframe(frame, hide_index=True, width="stretch", height=height, column_config=config, key=key,
                 placeholder="")  # a missing value shows as an empty cell, never "None"


def require_view(*, need_analysis: bool = True):
    """The current view, or stop the page with a helpful message when there is nothing to show."""
    v = state.view()
    if v is None or v.survey is None:
        if v is not None and v.error:
            st.error(md_escape(v.error))  # the sentence quotes the file name: text, not markup
            st.info("Upload another file in the sidebar, or remove the upload to go back to the sample.")
        else:
            st.info("No survey is loaded yet: choose a sample or upload a file in the sidebar.")
        st.stop()
    if v.filtered is not None and len(v.filtered.responses) == 0:
        st.info("No respondent matches the current filters. Widen the date range or clear a segment filter in the sidebar.")
        st.stop()
    if need_analysis and v.analysis is None:
        st.error(v.analysis_error or "The survey could not be analysed.")
        st.stop()
    return v


def outcome_note(v) -> None:
    """Say which outcome the analyses use (and that a proxy is used when there is none)."""
    spec = v.outcome
    if spec is None:
        return
    if spec.is_proxy:
        st.info("No outcome chosen: importance and penalties use each respondent's mean over their other stages as a proxy outcome. Pick an outcome in the sidebar when the survey has one.", icon=":material/info:")
    else:
        st.caption(f"Outcome: **{md_escape(spec.display())}**")


def fmt_num(x, digits: int = 2) -> str:
    """``x`` with thousands separators and ``digits`` decimals; ``–`` for a missing number."""
    try:
        if x is None or (isinstance(x, float) and np.isnan(x)):
            return "–"
        return f"{x:,.{digits}f}"
    except (TypeError, ValueError):
        return str(x)


def fmt_timestamp(text) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM UTC`` (``an earlier session`` when unreadable)."""
    try:
        return dt.datetime.fromisoformat(str(text)).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return "an earlier session"


def file_stem(name: str, fallback: str) -> str:
    """A download file name stem from a display name: lower case, ``_`` for other characters."""
    return "".join(ch if ch.isalnum() else "_" for ch in name.casefold()).strip("_") or fallback
