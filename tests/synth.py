"""Synthetic surveys for tests and benchmarks (vectorised, seeded, obeying the dataset contract).

Two builders, both returning a :class:`cycle_analytics.dataset.Survey` whose tables follow
``cycle_analytics/dataset.py``:

* :func:`make_survey` - a random survey of any size with a date, two segment columns
  (``region``, ``channel``), a rating outcome (``overall``) and a binary outcome (``satisfied``).
  Planted truths are set with keyword arguments (stage means, outcome weights, bad-experience
  penalties, segment and last-period shifts, stages nobody answered).
* :func:`survey_from_wide` - a small hand-written survey: one list of scores per stage (``None`` =
  not answered), optional dates, segments and outcomes. Use it for hand-computed fixtures.

Other test modules may import from here read-only.

Examples
--------
>>> s = make_survey(200, ("A", "B", "C"), seed=1)
>>> list(s.ratings.columns)
['response_id', 'stage', 'score']
>>> list(s.responses.columns)
['response_id', 'date', 'region', 'channel', 'overall', 'satisfied']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from cycle_analytics.dataset import DatasetInfo, Survey
from cycle_analytics.scales import Scale

DEFAULT_STAGES = ("Arrival", "Waiting", "Service", "Payment", "Departure")
REGIONS = ("North", "South", "East", "West")
REGION_P = (0.4, 0.3, 0.2, 0.1)
CHANNELS = ("Branch", "Phone", "Web")
CHANNEL_P = (0.5, 0.3, 0.2)


def _stage_names(stages: int | Sequence[str]) -> tuple[str, ...]:
    if isinstance(stages, (int, np.integer)):
        return tuple(f"Stage {i + 1}" for i in range(int(stages)))
    return tuple(str(s) for s in stages)


def _id_categories(n: int, prefix: str = "r") -> pd.Index:
    if n == 0:
        return pd.Index([], dtype="str")
    width = max(1, len(str(n - 1)))
    return pd.Index(np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width)), dtype="str")


def build_survey(
    codes: np.ndarray,
    stage_codes: np.ndarray,
    scores: np.ndarray,
    stages: Sequence[str],
    scale: Scale,
    responses_extra: Mapping[str, object] | None = None,
    n_respondents: int | None = None,
    *,
    outcome: str | None = None,
    outcome_candidates: Sequence[str] = (),
    segments: Sequence[str] = (),
    date_column: str | None = None,
) -> Survey:
    """Assemble a contract-abiding Survey from per-rating code arrays and per-respondent columns.

    ``codes`` (respondent index per rating), ``stage_codes`` (stage index per rating) and ``scores``
    (float) must have equal length; ``responses_extra`` maps column name -> per-respondent values.
    """
    n = int(n_respondents if n_respondents is not None else (codes.max() + 1 if len(codes) else 0))
    stages = tuple(stages)
    cats = _id_categories(n)
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64), categories=cats),
            "stage": pd.Categorical.from_codes(np.asarray(stage_codes, dtype=np.int64), categories=list(stages), ordered=True),
            "score": np.asarray(scores, dtype=np.float64),
        }
    )
    cols: dict[str, object] = {"response_id": pd.Categorical.from_codes(np.arange(n), categories=cats)}
    for k, v in (responses_extra or {}).items():
        cols[k] = v
    responses = pd.DataFrame(cols)
    for seg in segments:
        if not isinstance(responses[seg].dtype, pd.CategoricalDtype):
            responses[seg] = responses[seg].astype("category")
    rejected = pd.DataFrame({"row": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype="str")})
    info = DatasetInfo(
        format="long",
        rows_read=len(ratings),
        rows_accepted=len(ratings),
        rows_rejected=0,
        respondents=n,
        ratings=len(ratings),
        scale=scale,
        stages=stages,
        outcome=outcome,
        outcome_candidates=tuple(outcome_candidates),
        segments=tuple(segments),
        id_column="response_id",
        date_column=date_column,
        scale_source="user",
    )
    return Survey(ratings=ratings, responses=responses, rejected=rejected, info=info)


def make_survey(
    n_respondents: int,
    stages: int | Sequence[str] = DEFAULT_STAGES,
    scale: Scale = Scale(1, 5),
    seed: int = 0,
    *,
    answer_rate: float | Sequence[float] = 0.9,
    stage_means: Sequence[float] | None = None,
    spread: float = 0.22,
    respondent_sd: float = 0.10,
    outcome_weights: Mapping[str, float] | None = None,
    penalties: Mapping[str, float] | None = None,
    outcome_noise: float = 0.10,
    segment_shifts: Mapping[str, float] | None = None,
    start: str = "2026-01-01",
    span_days: int | None = 90,
    date_missing_rate: float = 0.0,
    last_days_shift: tuple[int, float] | None = None,
    empty_stages: Sequence[str] = (),
    shuffle: bool = False,
) -> Survey:
    """A random survey with planted truths, built with vectorised numpy (fine at millions of rows).

    Model (all on the 0-1 unit interval, then mapped to the scale and rounded to whole points):
    respondent ``i`` rates stage ``s`` at ``stage_means[s] + u_i + shift + e`` with ``u_i ~ N(0,
    respondent_sd)``, ``e ~ N(0, spread)``; it answers with probability ``answer_rate`` (per stage if
    a sequence). The rating outcome ``overall`` (same scale) is ``0.5 + sum_s w_s (x_is - mean_s)
    - sum_s p_s [stage s rated in the bottom box] + N(0, outcome_noise)``, with weights
    ``outcome_weights`` (default 0.15 for every stage; a stage the respondent skipped contributes 0)
    and penalties ``penalties`` (unit-interval drop, default none). ``satisfied`` is ``"yes"`` when
    ``overall`` is in the scale's top box, else ``"no"``.

    Parameters
    ----------
    n_respondents : int
        Number of respondents (``responses`` rows).
    stages : int or sequence of str
        Stage names in cycle order (an int ``k`` gives ``"Stage 1" .. "Stage k"``).
    scale : Scale
        The rating scale of the stages and of ``overall``.
    seed : int
        Seed of ``numpy.random.default_rng``.
    answer_rate : float or sequence of float
        Probability that a respondent answers a stage.
    stage_means : sequence of float, optional
        Per-stage location on the unit interval (default 0.7 for every stage).
    spread, respondent_sd : float
        Rating noise and respondent-level noise (unit interval).
    outcome_weights, penalties : mapping stage -> float, optional
        The outcome model (see above).
    outcome_noise : float
        Outcome noise (unit interval).
    segment_shifts : mapping segment value -> float, optional
        Added to every rating of respondents in that ``region`` or ``channel`` value.
    start : str
        First possible date.
    span_days : int or None
        Dates are uniform over ``span_days`` days from ``start``; ``None`` gives no ``date`` column.
    date_missing_rate : float
        Share of respondents with a missing date (NaT).
    last_days_shift : (days, shift), optional
        Ratings of respondents dated in the last ``days`` days of the span get ``shift`` added.
    empty_stages : sequence of str
        Stages that nobody answered (no rating rows; the stage stays in the categories).
    shuffle : bool
        Shuffle the ratings rows (default: respondent-major, stage order inside).

    Returns
    -------
    Survey
        ``ratings`` (``response_id``, ``stage``, ``score``) and ``responses`` (``response_id``,
        ``date`` when ``span_days`` is given, ``region``, ``channel``, ``overall``, ``satisfied``).

    Examples
    --------
    >>> s = make_survey(1000, 3, Scale(0, 10), seed=2, penalties={"Stage 2": 0.3})
    >>> s.info.respondents, s.stages
    (1000, ('Stage 1', 'Stage 2', 'Stage 3'))
    """
    rng = np.random.default_rng(seed)
    names = _stage_names(stages)
    n, k = int(n_respondents), len(names)
    lo, span = float(scale.minimum), float(scale.maximum - scale.minimum)
    means = np.full(k, 0.7) if stage_means is None else np.asarray(stage_means, dtype=float)
    if means.shape != (k,):
        raise ValueError("stage_means needs one value per stage")

    region = rng.choice(len(REGIONS), size=n, p=REGION_P).astype(np.int8)
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P).astype(np.int8)
    shift = np.zeros(n, dtype=np.float32)
    for value, d in (segment_shifts or {}).items():
        if value in REGIONS:
            shift[region == REGIONS.index(value)] += d
        elif value in CHANNELS:
            shift[channel == CHANNELS.index(value)] += d
        else:
            raise ValueError(f"unknown segment value {value!r}")

    extra: dict[str, object] = {}
    if span_days is not None:
        day = rng.integers(0, max(int(span_days), 1), size=n)
        dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
        dates = pd.DatetimeIndex(dates).as_unit("ns")
        if last_days_shift is not None:
            days, d = last_days_shift
            shift[day >= span_days - days] += d
        if date_missing_rate > 0:
            miss = rng.random(n) < date_missing_rate
            dates = dates.where(~miss)
        extra["date"] = np.asarray(dates, dtype="datetime64[ns]")

    u = rng.normal(0.0, respondent_sd, size=n).astype(np.float32) + shift
    latent = means.astype(np.float32)[None, :] + u[:, None] + rng.normal(0.0, spread, size=(n, k)).astype(np.float32)
    pts = np.clip(np.rint(latent * span), 0, span).astype(np.int16)  # 0-based points
    rate = np.broadcast_to(np.asarray(answer_rate, dtype=float), (k,))
    answered = rng.random((n, k)) < rate[None, :]
    for st in empty_stages:
        answered[:, names.index(st)] = False

    # Outcome.
    w = np.array([(outcome_weights or {}).get(s, 0.15) for s in names], dtype=np.float32)
    p = np.array([(penalties or {}).get(s, 0.0) for s in names], dtype=np.float32)
    unit = pts.astype(np.float32) / span
    centred = np.where(answered, unit - means.astype(np.float32)[None, :], 0.0)
    bottom = np.asarray(scale.bottom_box, dtype=float) - lo
    is_bad = answered & (pts <= bottom.max())
    y = 0.5 + centred @ w - (is_bad.astype(np.float32) @ p) + rng.normal(0.0, outcome_noise, size=n).astype(np.float32)
    overall = np.clip(np.rint(y * span), 0, span) + lo
    top = min(scale.top_box)
    extra["region"] = pd.Categorical.from_codes(region, categories=list(REGIONS))
    extra["channel"] = pd.Categorical.from_codes(channel, categories=list(CHANNELS))
    extra["overall"] = overall.astype(np.float64)
    extra["satisfied"] = pd.array(np.where(overall >= top, "yes", "no"), dtype="str")

    resp_idx, stage_idx = np.nonzero(answered)  # respondent-major order
    scores = pts[resp_idx, stage_idx].astype(np.float64) + lo
    if shuffle:
        perm = rng.permutation(len(resp_idx))
        resp_idx, stage_idx, scores = resp_idx[perm], stage_idx[perm], scores[perm]
    return build_survey(
        resp_idx,
        stage_idx,
        scores,
        names,
        scale,
        extra,
        n,
        outcome="overall",
        outcome_candidates=("overall", "satisfied"),
        segments=("region", "channel"),
        date_column="date" if span_days is not None else None,
    )


def survey_from_wide(
    columns: Mapping[str, Sequence[float | None]],
    scale: Scale = Scale(1, 5),
    *,
    dates: Sequence[object] | None = None,
    segments: Mapping[str, Sequence[object]] | None = None,
    outcomes: Mapping[str, Sequence[object]] | None = None,
) -> Survey:
    """A small survey from one score list per stage (cycle order = mapping order; ``None`` = N/A).

    Examples
    --------
    >>> s = survey_from_wide({"A": [5, 4, None], "B": [3, None, 1]}, segments={"region": ["x", "y", "x"]})
    >>> s.ratings.score.tolist()
    [5.0, 3.0, 4.0, 1.0]
    """
    names = tuple(columns)
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("all stage columns need the same length")
    n = lengths.pop() if lengths else 0
    if names:
        mat = np.array([[np.nan if x is None else float(x) for x in columns[s]] for s in names], dtype=float).T
    else:
        mat = np.zeros((n, 0))
    mat = mat.reshape(n, len(names))
    resp_idx, stage_idx = np.nonzero(~np.isnan(mat))
    extra: dict[str, object] = {}
    if dates is not None:
        extra["date"] = np.asarray(pd.to_datetime(pd.Series(list(dates), dtype="object")), dtype="datetime64[ns]")
    for k, v in (segments or {}).items():
        extra[k] = pd.Categorical([None if x is None else str(x) for x in v])
    for k, v in (outcomes or {}).items():
        extra[k] = v
    return build_survey(
        resp_idx,
        stage_idx,
        mat[resp_idx, stage_idx],
        names,
        scale,
        extra,
        n,
        outcome=next(iter(outcomes), None) if outcomes else None,
        outcome_candidates=tuple(outcomes or ()),
        segments=tuple(segments or ()),
        date_column="date" if dates is not None else None,
    )
