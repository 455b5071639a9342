"""Per-period stage scores and the change from the previous period to the last one.

Periods
-------
* :func:`choose_period` picks the period from the span of the dates (last minus first date):
  weeks (``"W"``) up to 120 days, months (``"M"``) up to three years (1096 days), quarters
  (``"Q"``) beyond. The caller may force any of the three with ``freq``.
* Weeks are ISO weeks starting on Monday (label ``"2026-W11"``), months ``"2026-03"``, quarters
  ``"2026-Q1"``. ``period`` is the period's first day (a Timestamp).
* Every period from the first dated respondent's to the last dated respondent's appears, empty
  ones included (``n = 0``), so a gap in the data shows as a gap.
* Respondents without a date are left out. Their number of ratings per stage is in the extra
  column ``n_undated`` and the number of such respondents in ``DataFrame.attrs["undated_respondents"]``.
* Without a ``date`` column (or without any dated respondent) the result is an empty table with the
  documented columns; nothing is raised.
* :func:`period_change` compares, per stage, the last period holding any dated respondent with the
  calendar period just before it (which may be empty), with a two-sided Mann-Whitney U test
  (respondents in different periods are independent; tie-corrected normal approximation with
  continuity correction, as ``scipy.stats.mannwhitneyu(method="asymptotic")``). ``p_adjusted``
  corrects the p-values across the stages (the family a manager scans for "what changed") with
  :func:`cycle_analytics.stats.kernel.adjust_pvalues` (Holm by default).
* A weighted survey (counts with the sums of the weights): the periods' means, intervals and the
  change test use the effective counts of each period (Kish; :mod:`cycle_analytics.stats.weights`),
  ``n`` stays the real count and ``n_eff`` stands beside it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.scales import Scale
from cycle_analytics.stats.kernel import adjust_pvalues, count_table, mann_whitney_from_counts, scale_values, summary_from_counts
from cycle_analytics.stats.tables import ScoreCounts, WeightedCounts, period_labels, period_range, period_start
from cycle_analytics.stats.validation import (
    validate_confidence,
    validate_correction,
    validate_min_n,
    validate_responses,
    validate_score_inputs,
)
from cycle_analytics.stats.weights import effective_counts

TREND_COLUMNS = ("stage", "period", "period_label", "n", "mean", "ci_low", "ci_high", "score_100", "small_sample", "n_undated")
CHANGE_COLUMNS = (
    "stage", "period_last", "period_previous", "n_last", "n_previous", "mean_last", "mean_previous", "change", "p_value", "test",
    "period_label_last", "period_label_previous", "u_statistic", "p_adjusted", "correction",
)
FREQS = ("W", "M", "Q")
WEEK_MAX_DAYS = 120
MONTH_MAX_DAYS = 1096  # three years
TEST_NAME = "Mann-Whitney U"
__all__ = ["trend_scores", "period_change", "trend_tables", "trend_tables_from_counts", "choose_period", "period_codes",
           "TREND_COLUMNS", "CHANGE_COLUMNS", "FREQS"]


def _validate_trend_inputs(ratings, responses, scale, *, freq=None, min_n=30, confidence=0.95, correction="holm") -> str | None:
    """Validate the tables and options; return the normalised ``freq`` (or None)."""
    validate_score_inputs(ratings, scale, min_n=min_n, confidence=confidence)
    validate_responses(responses, ratings)
    validate_correction(correction)
    if freq is None:
        return None
    f = str(freq).strip().upper()[:1] if isinstance(freq, str) else ""
    if f not in FREQS or str(freq).strip().lower() not in ("w", "m", "q", "week", "month", "quarter"):
        raise SurveyError(_("The trend period must be W (week), M (month) or Q (quarter), not {freq!r}.").format(freq=freq))
    return f


def _days(dates) -> np.ndarray:
    """Dates as float days since 1970-01-01 (NaN = no date)."""
    s = dates if isinstance(dates, (pd.Series, pd.Index)) else pd.Series(dates)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        if len(s) == 0 or s.isna().all():
            return np.full(len(s), np.nan)
        raise SurveyError(_("The date column must hold dates (datetime64), not text or numbers."))
    if getattr(s.dtype, "tz", None) is not None:
        s = s.tz_localize(None) if isinstance(s, pd.Index) else s.dt.tz_localize(None)
    d = np.asarray(s.to_numpy()).astype("datetime64[D]")
    nat = np.isnat(d)
    out = d.astype(np.int64).astype(float)
    out[nat] = np.nan
    return out


def choose_period(dates) -> str:
    """The trend period for these dates: ``"W"`` if they span at most 120 days, ``"M"`` up to 3 years, else ``"Q"``.

    Missing dates are ignored; with no date at all the answer is ``"M"``.

    Examples
    --------
    >>> choose_period(pd.to_datetime(["2026-01-01", "2026-03-31"]))
    'W'
    >>> choose_period(pd.to_datetime(["2024-01-01", "2026-03-31"]))
    'M'
    >>> choose_period(pd.to_datetime(["2020-01-01", "2026-03-31"]))
    'Q'
    """
    return _choose_from_days(_days(dates))


def _choose_from_days(days: np.ndarray) -> str:
    d = days[~np.isnan(days)]
    if d.size == 0:
        return "M"
    span = d.max() - d.min()
    if span <= WEEK_MAX_DAYS:
        return "W"
    if span <= MONTH_MAX_DAYS:
        return "M"
    return "Q"


def period_codes(dates, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex, list[str]]:
    """Per-respondent period code (dense from the first dated respondent's period; -1 = no date),
    the period starts and their labels. Needs at least one date.

    >>> codes, starts, labels = period_codes(pd.to_datetime(["2026-01-05", None, "2026-03-01"]), "M")
    >>> codes.tolist(), labels
    ([0, -1, 2], ['2026-01', '2026-02', '2026-03'])
    """
    return _period_codes(_days(dates), freq)


def _period_codes(days: np.ndarray, freq: str) -> tuple[np.ndarray, pd.DatetimeIndex, list[str]]:
    """Per-respondent period code (dense from the first period; -1 = no date), period starts and labels."""
    ok = ~np.isnan(days)
    di = np.where(ok, days, 0).astype(np.int64)
    if freq == "W":
        unit = (di + 3) // 7  # 1970-01-01 was a Thursday: week u starts on Monday 7u - 3
    else:
        months = di.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
        unit = months if freq == "M" else months // 3
    first = int(unit[ok].min())
    last = int(unit[ok].max())
    codes = np.where(ok, unit - first, -1).astype(np.int64)
    units = np.arange(first, last + 1, dtype=np.int64)
    if freq == "W":
        starts = (units * 7 - 3).astype("datetime64[D]")
    elif freq == "M":
        starts = units.astype("datetime64[M]").astype("datetime64[D]")
    else:
        starts = (units * 3).astype("datetime64[M]").astype("datetime64[D]")
    idx = pd.DatetimeIndex(starts.astype("datetime64[ns]"))
    return codes, idx, period_labels(idx, freq)


def _empty_trend(cats) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype=float) for c in TREND_COLUMNS})
    df["stage"] = pd.Categorical([], categories=list(cats), ordered=True)
    df["period"] = pd.Series([], dtype="datetime64[ns]")
    df["period_label"] = pd.Series([], dtype="str")
    df["n"] = df["n"].astype(np.int64)
    df["n_undated"] = df["n_undated"].astype(np.int64)
    df["small_sample"] = df["small_sample"].astype(bool)
    return df


def _empty_change(cats) -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series([], dtype=float) for c in CHANGE_COLUMNS})
    df["stage"] = pd.Categorical([], categories=list(cats), ordered=True)
    for c in ("period_last", "period_previous"):
        df[c] = pd.Series([], dtype="datetime64[ns]")
    for c in ("test", "period_label_last", "period_label_previous", "correction"):
        df[c] = pd.Series([], dtype="str")
    for c in ("n_last", "n_previous"):
        df[c] = df[c].astype(np.int64)
    return df


def _period_counts(ratings, responses, scale, freq):
    """(counts (S, P, K), values, period starts, labels, undated ratings per stage, undated respondents, freq) or None."""
    if "date" not in responses.columns:
        return None
    days = _days(responses["date"])
    ok = ~np.isnan(days)
    if not ok.any():
        return None
    f = freq or _choose_from_days(days)
    codes, starts, labels = _period_codes(days, f)
    c = count_table(ratings, scale, codes, len(labels))
    undated = c[:, -1, :].sum(axis=1)
    return c[:, :-1, :], scale_values(scale), starts, labels, undated, int((~ok).sum()), f


def trend_scores(
    ratings: pd.DataFrame,
    responses: pd.DataFrame,
    scale: Scale,
    *,
    freq: str | None = None,
    min_n: int = 30,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Stage scores per stage and period.

    Parameters
    ----------
    ratings, responses : DataFrame
        The tidy survey tables; dates come from ``responses["date"]``.
    scale : Scale
        The rating scale.
    freq : {"W", "M", "Q"}, optional
        The period; by default :func:`choose_period` of the dates.
    min_n, confidence
        As :func:`cycle_analytics.stats.scores.grouped_stage_scores`: the small-sample flag and
        the level of the mean's interval.

    Returns
    -------
    DataFrame
        ``stage, period, period_label, n, mean, ci_low, ci_high, score_100, small_sample``, then
        ``n_undated`` (the stage's ratings left out for want of a date); stage-major, periods in
        time order. ``attrs["undated_respondents"]`` and ``attrs["freq"]`` are set. Empty (same
        columns) without dates.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c"]),
    ...     "stage": pd.Categorical(["X"] * 3, ordered=True), "score": [5.0, 4.0, 2.0]})
    >>> resp = pd.DataFrame({"response_id": r.response_id.cat.categories,
    ...     "date": pd.to_datetime(["2026-03-02", "2026-03-04", None])})
    >>> t = trend_scores(r, resp, Scale(1, 5))
    >>> t[["period_label", "n", "mean", "n_undated"]].to_dict("list")
    {'period_label': ['2026-W10'], 'n': [2], 'mean': [4.5], 'n_undated': [1]}
    """
    f = _validate_trend_inputs(ratings, responses, scale, freq=freq, min_n=min_n, confidence=confidence)
    cats = list(ratings["stage"].cat.categories)
    built = _period_counts(ratings, responses, scale, f)
    if built is None:
        df = _empty_trend(cats)
        df.attrs.update(undated_respondents=_no_dates(responses, built), freq=f)
        return df
    return _trend_from_built(built, cats, scale, min_n, confidence)


def _trend_from_built(built, cats, scale, min_n, confidence) -> pd.DataFrame:
    counts, values, starts, labels, undated, n_undated_resp, f = built
    out = summary_from_counts(counts, values, scale, confidence=confidence)
    n_s, n_p = counts.shape[:2]
    df = pd.DataFrame(
        {
            "stage": pd.Categorical.from_codes(np.repeat(np.arange(n_s), n_p), categories=cats, ordered=True),
            "period": np.tile(starts.to_numpy(), n_s),
            "period_label": pd.array(labels * n_s, dtype="str"),
            "n": out["n"].reshape(-1).astype(np.int64),
            "mean": out["mean"].reshape(-1),
            "ci_low": out["ci_low"].reshape(-1),
            "ci_high": out["ci_high"].reshape(-1),
            "score_100": out["score_100"].reshape(-1),
            "small_sample": out["n"].reshape(-1) < min_n,
            "n_undated": np.repeat(undated.astype(np.int64), n_p),
        }
    )
    df.attrs.update(undated_respondents=n_undated_resp, freq=f)
    return df


def period_change(
    ratings: pd.DataFrame,
    responses: pd.DataFrame,
    scale: Scale,
    *,
    freq: str | None = None,
    correction: str = "holm",
) -> pd.DataFrame:
    """Per stage, the last period against the one before it, with a Mann-Whitney U test.

    Returns
    -------
    DataFrame
        ``stage, period_last, period_previous, n_last, n_previous, mean_last, mean_previous,
        change`` (``mean_last - mean_previous``), ``p_value`` (NaN when either period has no
        ratings of the stage or no spread), ``test`` (``"Mann-Whitney U"``), then
        ``period_label_last, period_label_previous, u_statistic`` (U of the last period),
        ``p_adjusted`` (corrected across stages with ``correction``) and ``correction``. Empty
        (same columns) without dates or with a single period.

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a", "b", "c", "d"]),
    ...     "stage": pd.Categorical(["X"] * 4, ordered=True), "score": [2.0, 3.0, 4.0, 5.0]})
    >>> resp = pd.DataFrame({"response_id": r.response_id.cat.categories,
    ...     "date": pd.to_datetime(["2026-01-05", "2026-01-06", "2026-02-03", "2026-02-04"])})
    >>> period_change(r, resp, Scale(1, 5), freq="M")[["period_label_last", "change"]].to_dict("list")
    {'period_label_last': ['2026-02'], 'change': [2.0]}
    """
    f = _validate_trend_inputs(ratings, responses, scale, freq=freq, correction=correction)
    cats = list(ratings["stage"].cat.categories)
    built = _period_counts(ratings, responses, scale, f)
    if built is None or built[0].shape[1] < 2:
        df = _empty_change(cats)
        df.attrs.update(undated_respondents=_no_dates(responses, built), freq=built[6] if built else f)
        return df
    return _change_from_built(built, cats, scale, correction)


def _change_from_built(built, cats, scale, correction: str) -> pd.DataFrame:
    counts, values, starts, labels, undated, n_undated_resp, f = built
    last, prev = counts[:, -1, :], counts[:, -2, :]
    a = summary_from_counts(last, values, scale)
    b = summary_from_counts(prev, values, scale)
    u1, p = mann_whitney_from_counts(last, prev)
    n_s = counts.shape[0]
    df = pd.DataFrame(
        {
            "stage": pd.Categorical(cats, categories=cats, ordered=True),
            "period_last": np.repeat(starts.to_numpy()[-1], n_s),
            "period_previous": np.repeat(starts.to_numpy()[-2], n_s),
            "n_last": a["n"].astype(np.int64),
            "n_previous": b["n"].astype(np.int64),
            "mean_last": a["mean"],
            "mean_previous": b["mean"],
            "change": a["mean"] - b["mean"],
            "p_value": p,
            "test": pd.array([TEST_NAME] * n_s, dtype="str"),
            "period_label_last": pd.array([labels[-1]] * n_s, dtype="str"),
            "period_label_previous": pd.array([labels[-2]] * n_s, dtype="str"),
            "u_statistic": u1,
            "p_adjusted": adjust_pvalues(p, correction),
            "correction": pd.array([correction] * n_s, dtype="str"),
        }
    )
    df.attrs.update(undated_respondents=n_undated_resp, freq=f)
    return df


def _no_dates(responses, built) -> int:
    if built is not None:
        return built[5]
    return len(responses) if "date" in responses.columns else 0


def trend_tables(
    ratings: pd.DataFrame, responses: pd.DataFrame, scale: Scale, *,
    freq: str | None = None, min_n: int = 30, confidence: float = 0.95, correction: str = "holm",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trend_scores(...), period_change(...))`` from a single pass over the ratings (same options).

    Examples
    --------
    >>> r = pd.DataFrame({"response_id": pd.Categorical(["a"]),
    ...     "stage": pd.Categorical(["X"], ordered=True), "score": [2.0]})
    >>> [len(t) for t in trend_tables(r, pd.DataFrame({"response_id": r.response_id.cat.categories}), Scale(1, 5))]
    [0, 0]
    """
    f = _validate_trend_inputs(ratings, responses, scale, freq=freq, min_n=min_n, confidence=confidence, correction=correction)
    cats = list(ratings["stage"].cat.categories)
    built = _period_counts(ratings, responses, scale, f)
    if built is None:
        t, c = _empty_trend(cats), _empty_change(cats)
        for df in (t, c):
            df.attrs.update(undated_respondents=_no_dates(responses, built), freq=f)
        return t, c
    trend = _trend_from_built(built, cats, scale, min_n, confidence)
    if built[0].shape[1] < 2:
        change = _empty_change(cats)
        change.attrs.update(undated_respondents=built[5], freq=built[6])
    else:
        change = _change_from_built(built, cats, scale, correction)
    return trend, change


def trend_tables_from_counts(
    counts: ScoreCounts, first_date, last_date, *, freq: str | None = None, undated_respondents: int = 0, min_n: int = 30,
    confidence: float = 0.95, correction: str = "holm",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(trend_scores(...), period_change(...))`` from the ratings counted by stage, period and score.

    Parameters
    ----------
    counts : ScoreCounts
        Grouped by ``"period"`` (each rating's period start; NaT for a respondent without a date).
    first_date, last_date : date or None
        The first and last dated respondent's dates (every period between them is shown, empty
        ones included); ``None`` without any date.
    freq : {"W", "M", "Q"}, optional
        The period the counts are grouped by (default ``counts.frame.attrs["freq"]``, else
        :func:`choose_period` of the two dates).
    undated_respondents : int
        Respondents without a date (``attrs["undated_respondents"]``).
    min_n, confidence, correction
        As :func:`trend_tables`.

    Examples
    --------
    >>> from cycle_analytics.stats.tables import ScoreCounts
    >>> frame = pd.DataFrame({"stage": pd.Categorical(["X", "X"], categories=["X"], ordered=True),
    ...                       "period": pd.to_datetime(["2026-01-01", "2026-02-01"]), "score": [2, 5], "n": [3, 4]})
    >>> frame.attrs["freq"] = "M"
    >>> t, c = trend_tables_from_counts(ScoreCounts(("X",), Scale(1, 5), ("period",), frame), "2026-01-05", "2026-02-20")
    >>> t["period_label"].tolist(), c["change"].tolist()
    (['2026-01', '2026-02'], [3.0])
    """
    validate_min_n(min_n)
    validate_confidence(confidence)
    validate_correction(correction)
    cats = list(counts.stages)
    freq = freq or counts.frame.attrs.get("freq")
    if first_date is None or last_date is None or pd.isna(first_date) or pd.isna(last_date):
        t, c = _empty_trend(cats), _empty_change(cats)
        for df in (t, c):
            df.attrs.update(undated_respondents=int(undated_respondents), freq=freq)
        return t, c
    if freq is None:
        freq = choose_period(pd.to_datetime([first_date, last_date]))
    starts = period_range(period_start(first_date, freq), period_start(last_date, freq), freq)
    if counts.is_weighted:
        return _weighted_trend_tables(counts, starts, cats, freq, undated_respondents, min_n, confidence, correction)
    arr = counts.array(tuple(starts))
    built = (arr[:, :-1, :], scale_values(counts.scale), starts, period_labels(starts, freq), arr[:, -1, :].sum(axis=1),
             int(undated_respondents), freq)
    trend = _trend_from_built(built, cats, counts.scale, min_n, confidence)
    if len(starts) < 2:
        change = _empty_change(cats)
        change.attrs.update(undated_respondents=int(undated_respondents), freq=freq)
    else:
        change = _change_from_built(built, cats, counts.scale, correction)
    return trend, change


def _weighted_trend_tables(counts: ScoreCounts, starts, cats, freq, undated_respondents, min_n, confidence, correction):
    """:func:`trend_tables_from_counts` of weighted counts: every period's figures and the change
    test from the effective counts of the period (:func:`cycle_analytics.stats.weights.effective_counts`),
    ``n`` / ``n_last`` / ``n_previous`` the real counts, ``n_eff`` beside ``n``, ``small_sample``
    by ``n_eff``."""
    table = counts.weighted_array(tuple(starts))
    dated = WeightedCounts(table.counts[:, :-1, :], table.weights[:, :-1, :], table.squares[:, :-1, :])
    effective, n_eff = effective_counts(dated)
    built = (effective, scale_values(counts.scale), starts, period_labels(starts, freq), table.counts[:, -1, :].sum(axis=1),
             int(undated_respondents), freq)
    real = dated.counts.sum(axis=-1)
    trend = _trend_from_built(built, cats, counts.scale, min_n, confidence)
    trend["n"] = real.reshape(-1)
    trend.insert(trend.columns.get_loc("n") + 1, "n_eff", n_eff.reshape(-1))
    if len(starts) < 2:
        change = _empty_change(cats)
        change.attrs.update(undated_respondents=int(undated_respondents), freq=freq)
    else:
        change = _change_from_built(built, cats, counts.scale, correction)
        change["n_last"], change["n_previous"] = real[:, -1], real[:, -2]
    return trend, change
