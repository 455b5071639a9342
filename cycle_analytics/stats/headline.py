"""Headline figures of a survey and two per-stage row look-ups the dashboard shows.

* :func:`headline_figures` - responses, ratings, the outcome's mean and CSAT % (share of top-box
  answers of a rating outcome, or of positive answers of a binary one) and the NPS when the survey
  has a 0-10 likelihood-to-recommend question; weighted (mean and shares) when the survey has a
  weight column (``info.weight_column``), the counts staying real. Outcome values come from
  :func:`cycle_analytics.stats.drivers.outcome_values`, so they are exactly what the analyses use: text
  labels matched without regard to case and spaces, values off the outcome's scale dropped.
* :func:`headline_from_tables` - the same figures (without the NPS) from any builder of the count
  tables (:class:`~cycle_analytics.stats.tables.TableSource`), such as the query engine; weighted
  when its outcome counts carry the sums of the weights.
* :func:`bad_comments` - the comments of the respondents who rated one stage in the bottom box.
* :func:`stage_distribution_by` / :func:`stage_distribution_from_counts` - one stage's answer
  distribution per value of a segment column, from the ratings counted by stage, segment and score
  (of an imported survey, or of any builder of the count tables such as the query engine).

Example
-------
>>> import pandas as pd
>>> from cycle_analytics.ingest.importer import import_survey
>>> from cycle_analytics.dataset import OutcomeSpec
>>> from cycle_analytics.scales import Scale
>>> s = import_survey(b"id,wait,teller,overall\\nA,4,5,5\\nB,2,3,2\\nC,5,5,4\\n", file_name="x.csv")
>>> h = headline_figures(s, OutcomeSpec("overall", scale=Scale(1, 5)))
>>> h.responses, h.ratings, round(h.outcome_mean, 3), round(h.csat_pct, 1), h.nps
(3, 6, 3.667, 66.7, None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.ingest.names import mentions_recommend
from cycle_analytics.scales import Scale
from cycle_analytics.stats.drivers.outcomes import outcome_values
from cycle_analytics.stats.filters import Filters
from cycle_analytics.stats.survey_tables import SurveyTables
from cycle_analytics.stats.tables import ScoreCounts
from cycle_analytics.stats.weights import respondent_weights

__all__ = ["Headline", "headline_figures", "headline_from_tables", "recommend_column", "bad_comments", "stage_distribution_by",
           "stage_distribution_from_counts"]

_ZERO_TO_TEN = re.compile(r"\b0\s*(-|–|to|bis|a|à)\s*10\b|\bnps\b", re.I)
NPS_SCALE = Scale(0, 10)


@dataclass(frozen=True)
class Headline:
    """The headline numbers of a (filtered) survey.

    ``outcome_mean`` / ``outcome_n`` / ``outcome_scale``: mean, answer count and scale of a rating
    outcome (``None`` for a binary outcome or the proxy). ``csat_pct``: % of top-box answers of a
    rating outcome, or % positive answers of a binary outcome (``None`` without answers or with the
    proxy). ``nps``: % promoters (9-10) - % detractors (0-6) of ``nps_column``, only for a 0-10
    recommend question. ``n_critical``: number of critical moments, set by the caller.
    """

    responses: int
    ratings: int
    outcome_label: str | None = None
    outcome_kind: str = "proxy"
    outcome_mean: float | None = None
    outcome_scale: Scale | None = None
    outcome_n: int = 0
    csat_pct: float | None = None
    nps: float | None = None
    nps_column: str | None = None
    nps_n: int = 0
    n_critical: int | None = None


def _validate_survey(survey) -> Survey:
    """The one input check of this module."""
    if not isinstance(survey, Survey):
        raise SurveyError(_("The headline figures need an imported Survey, not a {name}.").format(name=type(survey).__name__))
    return survey


def recommend_column(survey: Survey) -> str | None:
    """The first outcome candidate that is a 0-10 likelihood-to-recommend question, else ``None``.

    Recommend-like means its name or question text mentions recommending (several languages), NPS
    or promoters. It must be numeric with every answer in 0-10, and be a 0-10 question: an answer 0
    occurs, or the name / question says "0-10" or NPS. A 1-10 question never gives an NPS.

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,a,b,recommend\\n1,4,5,10\\n2,2,3,0\\n", file_name="x.csv")
    >>> recommend_column(s)
    'recommend'
    """
    _validate_survey(survey)
    resp = survey.responses
    questions = {r.column: r.question for r in survey.info.columns}
    for col in survey.info.outcome_candidates:
        if col not in resp.columns or not pd.api.types.is_numeric_dtype(resp[col]):
            continue
        text = f"{col} {questions.get(col, '')}"
        if not mentions_recommend(text):
            continue
        v = resp[col].to_numpy(dtype=float, na_value=np.nan)
        v = v[~np.isnan(v)]
        if not len(v) or not NPS_SCALE.contains(v).all():
            continue
        if (v == 0).any() or _ZERO_TO_TEN.search(text):
            return col
    return None


def headline_figures(survey: Survey, outcome_spec: OutcomeSpec | None, *, n_critical: int | None = None) -> Headline:
    """Responses, ratings, outcome mean, CSAT % and NPS of ``survey``.

    Parameters
    ----------
    survey : Survey
        The (filtered) survey.
    outcome_spec : OutcomeSpec or None
        The chosen outcome (``None`` or the proxy: no outcome figures).
    n_critical : int, optional
        The number of critical moments, passed through.

    Returns
    -------
    Headline

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,a,b,ok\\n1,4,5,1\\n2,2,3,0\\n3,5,5,1\\n", file_name="x.csv")
    >>> round(headline_figures(s, OutcomeSpec("ok", kind="binary", positive="1")).csat_pct, 1)
    66.7
    """
    _validate_survey(survey)
    resp = survey.responses
    fields: dict = {"responses": int(len(resp)), "ratings": int(len(survey.ratings)), "n_critical": n_critical}
    spec = outcome_spec
    column = survey.info.weight_column  # a weighted survey: weighted mean and shares (stats.weights)
    weights = respondent_weights(resp[column])[0] if column is not None and column in resp.columns else None
    if spec is not None and not spec.is_proxy and spec.column in resp.columns:
        vals = outcome_values(resp, spec)
        has = ~np.isnan(vals)
        vals, w = vals[has], None if weights is None else weights[has]
        fields.update(outcome_label=spec.display(), outcome_kind=spec.kind, outcome_n=int(len(vals)))
        if len(vals):
            if spec.kind == "rating":
                fields["outcome_mean"] = float(vals.mean()) if w is None else _weighted_mean(vals, w)
                fields["outcome_scale"] = spec.scale
                if spec.scale is not None:
                    top = np.asarray(spec.scale.top_box, dtype=float)
                    fields["csat_pct"] = _percent_of(np.isin(vals, top), w)
            else:  # binary: 1 = positive
                fields["csat_pct"] = _percent_of(vals == 1.0, w)
    rec = recommend_column(survey)
    if rec is not None:
        v = resp[rec].to_numpy(dtype=float, na_value=np.nan)
        has = ~np.isnan(v)
        v, w = v[has], None if weights is None else weights[has]
        nps = float(((v >= 9).mean() - (v <= 6).mean()) * 100) if w is None else _percent_of(v >= 9, w) - _percent_of(v <= 6, w)
        fields.update(nps=nps, nps_column=rec, nps_n=int(len(v)))
    return Headline(**fields)


def _percent_of(hit: np.ndarray, weights: np.ndarray | None) -> float:
    """Percentage of ``hit`` (weighted by ``weights`` when given; NaN without any weight)."""
    if weights is None:
        return float(hit.mean() * 100)
    return _weighted_mean(hit.astype(np.float64), weights) * 100.0


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted mean of ``values`` (NaN when the weights sum to 0)."""
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def headline_from_tables(source, outcome_spec: OutcomeSpec | None, *, filters: Filters | None = None,
                         n_critical: int | None = None) -> Headline:
    """Responses, ratings, the outcome's mean and CSAT % from a builder of the count tables.

    The figures of :func:`headline_figures`, computed from
    :meth:`respondent_counts` and :meth:`outcome_counts` of a
    :class:`~cycle_analytics.stats.tables.TableSource` (an imported survey's
    :class:`~cycle_analytics.stats.survey_tables.SurveyTables` or the query engine), so a survey in a
    database gets the same cards without its rows leaving it. There is no NPS: recognising a 0-10
    recommend question needs its question text, which a table of answers does not hold.

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> from cycle_analytics.stats.survey_tables import SurveyTables
    >>> s = import_survey(b"id,wait,teller,overall\\nA,4,5,5\\nB,2,3,2\\nC,5,5,4\\n", file_name="x.csv")
    >>> h = headline_from_tables(SurveyTables(s), OutcomeSpec("overall", scale=Scale(1, 5)))
    >>> h.responses, h.ratings, round(h.outcome_mean, 3), round(h.csat_pct, 1), h.nps
    (3, 6, 3.667, 66.7, None)
    """
    counted = source.respondent_counts(filters=filters)
    fields: dict = {"responses": int(counted.respondents), "ratings": int(counted.ratings), "n_critical": n_critical}
    spec = outcome_spec
    if spec is None or spec.is_proxy:
        return Headline(**fields)
    outcome = source.outcome_counts(spec, filters=filters)
    values, counts = np.asarray(outcome.values, dtype=float), np.asarray(outcome.counts, dtype=np.int64)
    n = int(counts.sum())
    fields.update(outcome_label=spec.display(), outcome_kind=spec.kind, outcome_n=n)
    weights = outcome.weights  # a weighted survey: the sums of the weights per value (as headline_figures weighs)
    if n:
        if spec.kind == "rating":
            fields["outcome_mean"] = float((values * counts).sum() / n) if weights is None else _weighted_mean(values, weights)
            fields["outcome_scale"] = spec.scale
            if spec.scale is not None:
                top = np.isin(values, np.asarray(spec.scale.top_box, dtype=float))
                fields["csat_pct"] = float(counts[top].sum() / n * 100) if weights is None else _percent_of(top, weights)
        else:  # binary: 1 = positive
            hit = values == 1.0
            fields["csat_pct"] = float(counts[hit].sum() / n * 100) if weights is None else _percent_of(hit, weights)
    return Headline(**fields)


def bad_comments(survey: Survey, stage: str, column: str = "comment") -> pd.DataFrame:
    """Respondents who rated ``stage`` in the bottom box and left a comment in ``column`` (the
    general comment by default; a stage's own comment column from ``info.comment_columns``).

    Returns a DataFrame ``response_id, score, comment`` sorted by score (worst first); empty when
    the survey has no such comment column or the stage is unknown.

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,wait,pay,comment\\nA,1,5,slow\\nB,5,4,fine\\nC,2,3,\\n", file_name="x.csv")
    >>> bad_comments(s, "wait").values.tolist()
    [['A', 1.0, 'slow']]
    """
    _validate_survey(survey)
    r, resp = survey.ratings, survey.responses
    empty = pd.DataFrame({"response_id": pd.Series([], dtype="str"), "score": pd.Series([], dtype="float64"),
                          "comment": pd.Series([], dtype="str")})
    if column not in resp.columns or stage not in r["stage"].cat.categories:
        return empty
    code = r["stage"].cat.categories.get_loc(stage)
    mask = (r["stage"].cat.codes.to_numpy() == code) & np.isin(r["score"].to_numpy(), np.asarray(survey.scale.bottom_box, dtype=float))
    rows = r["response_id"].cat.codes.to_numpy()[mask]
    if not len(rows):
        return empty
    scores = r["score"].to_numpy()[mask]
    comments = pd.Series(resp[column].to_numpy()[rows], dtype="str")
    keep = (comments.notna() & (comments.str.strip().str.len() > 0)).to_numpy()
    if not keep.any():
        return empty
    return pd.DataFrame({
        "response_id": resp["response_id"].astype("str").to_numpy()[rows[keep]],
        "score": scores[keep],
        "comment": comments.to_numpy()[keep],
    }).sort_values("score", kind="stable").reset_index(drop=True)


def stage_distribution_by(survey: Survey, stage: str, segment: str) -> pd.DataFrame:
    """Answer distribution of one stage per value of a segment column of an imported survey.

    :func:`stage_distribution_from_counts` of the survey's counts by ``segment``
    (:class:`~cycle_analytics.stats.survey_tables.SurveyTables`), so an imported survey and the
    query engine give the same frame.

    Returns a DataFrame ``stage, <segment>, score, count, pct, n``: ``pct`` is within the segment
    value (weighted on a weighted survey), ``n`` the value's answers; values without answers are left out (the shape
    ``figures.diverging_bar_figure(..., by=segment)`` draws).

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> from cycle_analytics.dataset import ImportOptions
    >>> s = import_survey(b"id,wait,pay,region\\nA,1,5,N\\nB,5,4,S\\nC,5,3,N\\n", ImportOptions(segments=["region"]))
    >>> d = stage_distribution_by(s, "wait", "region")
    >>> d[d["count"] > 0][["region", "score", "count", "n"]].values.tolist()
    [['N', 1, 1, 2], ['N', 5, 1, 2], ['S', 5, 1, 1]]
    """
    _validate_survey(survey)
    if stage not in survey.stages:
        raise SurveyError(_("The stage {stage!r} is not a stage of the survey.").format(stage=stage))
    return stage_distribution_from_counts(SurveyTables(survey).score_counts(segment), stage, segment)


def stage_distribution_from_counts(counts: ScoreCounts, stage: str, segment: str) -> pd.DataFrame:
    """Answer distribution of one stage per value of a segment column, from the ratings counted by
    stage, ``segment`` and score (``source.score_counts(segment, filters=...)`` of any
    :class:`~cycle_analytics.stats.tables.TableSource`, such as the query engine).

    Returns the frame of :func:`stage_distribution_by`: ``stage, <segment>, score, count, pct, n``,
    one row per value holding answers to ``stage`` and scale point; the values as text, in the
    counts' order; ``pct`` the share within the value, from the sums of the survey weights when the
    counts carry them.

    >>> from cycle_analytics.scales import Scale
    >>> from cycle_analytics.stats.tables import ScoreCounts, stage_dtype
    >>> frame = pd.DataFrame({"stage": pd.Categorical(["wait", "wait", "wait"], dtype=stage_dtype(["wait"])),
    ...                       "region": ["N", "N", "S"], "score": [1, 3, 3], "n": [1, 3, 2]})
    >>> d = stage_distribution_from_counts(ScoreCounts(("wait",), Scale(1, 3), ("region",), frame), "wait", "region")
    >>> d[["region", "score", "count", "pct", "n"]].values.tolist()
    [['N', 1, 1, 25.0, 4], ['N', 2, 0, 0.0, 4], ['N', 3, 3, 75.0, 4], ['S', 1, 0, 0.0, 2], ['S', 2, 0, 0.0, 2], ['S', 3, 2, 100.0, 2]]
    """
    _validate_segment_counts(counts, stage, segment)
    groups = counts.groups(segment)
    table = counts.weighted_array(groups)  # (stages, values + "no value", points)
    at = list(counts.stages).index(stage)
    k = len(groups)
    counts_k = table.counts[at, :k, :]
    n = counts_k.sum(axis=1)
    sums = table.weights[at, :k, :]
    total = sums.sum(axis=1, keepdims=True)
    pct = np.where(total > 0, sums / np.where(total > 0, total, 1.0) * 100, 0.0)
    keep = n > 0
    kept = [str(g) for g, kk in zip(groups, keep) if kk]
    values = counts.scale.values
    p = len(values)
    return pd.DataFrame({
        "stage": pd.Categorical([stage] * (len(kept) * p), categories=list(counts.stages), ordered=True),
        segment: pd.Categorical(np.repeat(np.asarray(kept, dtype=object), p), categories=kept),
        "score": np.tile(np.asarray(values, dtype=np.int64), len(kept)),
        "count": counts_k[keep].ravel(),
        "pct": pct[keep].ravel(),
        "n": np.repeat(n[keep], p),
    })


def _validate_segment_counts(counts, stage: str, segment: str) -> None:
    """The counts are a :class:`ScoreCounts` by ``segment`` alone, and ``stage`` is one of their stages."""
    if not isinstance(counts, ScoreCounts) or tuple(counts.by) != (segment,):
        raise SurveyError(_("The split by {segment!r} needs the ratings counted by that segment column alone.").format(
            segment=segment))
    if stage not in counts.stages:
        raise SurveyError(_("The stage {stage!r} is not a stage of the survey.").format(stage=stage))
