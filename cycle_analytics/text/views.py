"""Comment themes of a survey: per stage and for the whole survey, with sentiment and theme effects.

* :func:`survey_comments` - every comment of a survey as one long table (``response_id, stage,
  column, question, text``): one row per non-empty answer of each comment column. It reads
  ``info.comment_columns`` (each tied to a stage or not) where the importer provides them, else
  the single ``comment`` column of ``survey.responses`` (tied to no stage).
* :func:`view_rows`, :func:`view_comments` - the comments of one stage (the answers to that
  stage's own comment question, and the untied comments of respondents who rated the stage in the
  bottom box), or of the whole survey (all of them), each with the writer's ``rating``: the
  stage's score, or for the whole survey the writer's mean score over the stages they rated.
* :func:`view_outcomes` - the outcome per respondent the theme effects compare: the chosen outcome,
  or for the proxy the respondent's mean score over the stages (other than the stage viewed).
* :func:`survey_themes` - the themes of all the survey's comments (found once, see
  :mod:`cycle_analytics.text.themes`) and the sentiment of each comment.
* :func:`theme_view` - one view's table of themes (its comments, their sentiment and the effect of
  each theme on the outcome) from the survey's themes.
* :func:`themes_table` - **the** themes table of a survey: the whole survey first, then every stage
  with comments, one row per theme (what the report, the workbook and the deck show).

Examples
--------
>>> from cycle_analytics.ingest.importer import import_survey
>>> s = import_survey(b"id,wait,pay,comment\\nA,1,5,slow queue\\nB,5,4,fine\\nC,2,3,\\n", file_name="x.csv")
>>> survey_comments(s)[["response_id", "stage", "text"]].values.tolist()
[['A', None, 'slow queue'], ['B', None, 'fine']]
>>> view_comments(survey_comments(s), s, "wait")[["response_id", "rating", "text"]].values.tolist()
[['A', 1.0, 'slow queue']]
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cycle_analytics.dataset import OutcomeSpec, Survey
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.analysis import Analysis, default_outcome
from cycle_analytics.stats.drivers.outcomes import outcome_values
from cycle_analytics.stats.kernel import respondent_codes
from cycle_analytics.i18n import gettext as _
from cycle_analytics.text import messages as M
from cycle_analytics.text.effects import EFFECT_COLUMNS, theme_effects
from cycle_analytics.text.language import LanguageGuess, comment_language
from cycle_analytics.text.sentiment import Sentiment, comment_sentiment
from cycle_analytics.text.themes import THEME_COLUMNS, Themes, ThemeSettings, find_themes, tabulate_themes

__all__ = [
    "COMMENT_COLUMNS",
    "VIEW_COLUMNS",
    "SurveyThemes",
    "ThemeView",
    "survey_comments",
    "view_rows",
    "view_comments",
    "respondent_mean_scores",
    "view_outcomes",
    "survey_themes",
    "theme_view",
    "themes_table",
]

#: The columns of :func:`survey_comments`.
COMMENT_COLUMNS = ("response_id", "stage", "column", "question", "text")
#: The columns of :attr:`ThemeView.table`: the themes, their sentiment, then their effect.
VIEW_COLUMNS = (*THEME_COLUMNS[:-3], "mean_sentiment", "negative_pct", *EFFECT_COLUMNS, *THEME_COLUMNS[-3:])
#: The columns of :attr:`ThemeView.comments`.
VIEW_COMMENT_COLUMNS = ("response_id", "stage", "question", "rating", "theme", "themes", "theme_share",
                        "sentiment", "sentiment_label", "text")


@dataclass(frozen=True)
class SurveyThemes:
    """The themes of all of a survey's comments and the sentiment of each (:func:`survey_themes`).

    ``themes.comments`` holds the rows of :func:`survey_comments` in the same order, with the
    writer's mean score over the stages as ``rating``; ``sentiment`` is aligned with them.
    """

    themes: Themes
    sentiment: Sentiment

    @property
    def language(self) -> LanguageGuess:
        return self.themes.language


@dataclass(frozen=True)
class ThemeView:
    """Themes of one view of a survey's comments (a stage, or the whole survey).

    ``scope``: the stage's name or "Whole survey"; ``stage``: the stage or ``None``; ``table``:
    one row per theme with comments here (:data:`VIEW_COLUMNS`); ``comments``: every comment of
    the view (:data:`VIEW_COMMENT_COLUMNS`: ``theme`` is the main theme's number, ``themes`` the
    labels of every theme it mentions, main first; ``sentiment`` is ``None`` where the language has
    no lexicon); ``language``: the survey's comment language; ``sentiment_note``: what the sentiment
    is, or why there is none; ``notes``: the other sentences.
    """

    scope: str
    stage: str | None
    table: pd.DataFrame
    comments: pd.DataFrame
    language: LanguageGuess
    sentiment_note: str
    notes: tuple[str, ...] = field(default_factory=tuple)


def _validate_survey_for_comments(survey: Survey) -> None:
    if not isinstance(survey, Survey):
        raise SurveyError(_(M.NOT_A_SURVEY))


# ---------------------------------------------------------------------------------------------
# the long table of comments


def _comment_sources(survey: Survey) -> list[tuple[str, str | None, str]]:
    """``(column, stage or None, question)`` of every comment column of ``survey``."""
    tied = getattr(survey.info, "comment_columns", None)
    if tied:
        return [(c.column, c.stage, c.question or c.column) for c in tied]
    if "comment" not in survey.responses.columns:
        return []
    question = next((c.question for c in survey.info.columns if c.role == "comment" and c.question), "")
    return [("comment", None, question or survey.info.comment_column or "comment")]


def survey_comments(survey: Survey) -> pd.DataFrame:
    """Every non-empty comment of ``survey``, one row each: :data:`COMMENT_COLUMNS` (all text;
    ``stage`` is ``None`` for a comment tied to no stage). See the module docstring."""
    _validate_survey_for_comments(survey)
    resp = survey.responses
    ids = resp["response_id"].astype(str).to_numpy()
    parts = []
    for column, stage, question in _comment_sources(survey):
        if column not in resp.columns:
            raise SurveyError(_(M.MISSING_COMMENT_COLUMN).format(column=column))
        text = resp[column].astype("string")
        keep = (text.notna() & (text.str.strip().str.len() > 0)).to_numpy(dtype=bool)
        n = int(keep.sum())
        parts.append(pd.DataFrame({
            "response_id": ids[keep],
            "stage": pd.Series([stage] * n, dtype="object"),
            "column": column,
            "question": question,
            "text": text[keep].astype(str).to_numpy(),
        }))
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="object" if c == "stage" else "str") for c in COMMENT_COLUMNS})
    return pd.concat(parts, ignore_index=True)[list(COMMENT_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# views


def respondent_mean_scores(survey: Survey, exclude_stage: str | None = None) -> np.ndarray:
    """Each respondent's mean score over the stages they rated, leaving out ``exclude_stage``
    (float64 per ``responses`` row; NaN for a respondent with no such rating).

    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,a,b,c\\nA,1,5,3\\nB,2,4,\\nC,4,3,5\\n", file_name="x.csv")
    >>> respondent_mean_scores(s).tolist(), respondent_mean_scores(s, "a").tolist()
    ([3.0, 3.0, 4.0], [4.0, 4.0, 4.0])
    """
    r = survey.ratings
    n = len(survey.responses)
    codes = respondent_codes(r)
    score = r["score"].to_numpy(dtype=np.float64)
    if exclude_stage is not None and exclude_stage in r["stage"].cat.categories:
        keep = r["stage"].cat.codes.to_numpy() != r["stage"].cat.categories.get_loc(exclude_stage)
        codes, score = codes[keep], score[keep]
    total = np.bincount(codes, weights=score, minlength=n)
    count = np.bincount(codes, minlength=n)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _stage_scores(survey: Survey, stage: str) -> np.ndarray:
    """Each respondent's score on ``stage`` (NaN when they did not rate it)."""
    r = survey.ratings
    out = np.full(len(survey.responses), np.nan)
    at = (r["stage"] == stage).to_numpy(dtype=bool)
    out[respondent_codes(r)[at]] = r["score"].to_numpy(dtype=np.float64)[at]
    return out


def _row_codes(survey: Survey, ids: pd.Series) -> np.ndarray:
    """The ``responses`` row of each response id (-1 when unknown)."""
    return pd.Categorical(ids.astype(str), categories=survey.responses["response_id"].astype(str)).codes.astype(np.int64)


def view_rows(comments: pd.DataFrame, survey: Survey, stage: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which ``comments`` rows belong to the view of ``stage`` (``None`` = the whole survey), and
    every row's writer ``rating`` for that view (see :func:`view_comments`)."""
    _validate_survey_for_comments(survey)
    if stage is not None and stage not in survey.stages:
        raise SurveyError(_(M.NO_STAGE).format(stage=stage))
    rows = _row_codes(survey, comments["response_id"])
    per_respondent = respondent_mean_scores(survey) if stage is None else _stage_scores(survey, stage)
    rating = np.where(rows >= 0, per_respondent[np.maximum(rows, 0)], np.nan)
    if stage is None:
        return np.ones(len(comments), dtype=bool), rating
    bad = np.isin(rating, np.asarray(survey.scale.bottom_box, dtype=np.float64))
    tied = comments["stage"].to_numpy(dtype=object)
    return (tied == stage) | (pd.isna(tied) & bad), rating


def view_comments(comments: pd.DataFrame, survey: Survey, stage: str | None = None) -> pd.DataFrame:
    """The comments of ``stage`` (``None`` = the whole survey) with each writer's ``rating``.

    A stage's comments are the answers to its own comment question (``stage`` equal to it) and the
    untied comments (``stage`` None) of respondents who rated it in the bottom box; ``rating`` is
    their score on the stage. For the whole survey every comment counts and ``rating`` is the
    writer's mean score over the stages they rated.
    """
    mask, rating = view_rows(comments, survey, stage)
    return comments.assign(rating=rating).loc[mask].reset_index(drop=True)


def view_outcomes(survey: Survey, outcome: OutcomeSpec | None = None, stage: str | None = None) -> pd.Series:
    """The outcome of every respondent for the theme effects, indexed by ``response_id`` (text).

    A rating or binary outcome as :func:`~cycle_analytics.stats.drivers.outcomes.outcome_values`
    reads it (binary coded 0/1); the proxy (no outcome chosen) is the respondent's mean score over
    the stages other than ``stage`` (over all stages for the whole survey).
    """
    _validate_survey_for_comments(survey)
    spec = outcome if outcome is not None else default_outcome(survey)
    if spec.is_proxy:
        values = respondent_mean_scores(survey, stage)
    else:
        values = outcome_values(survey.responses, spec)
    return pd.Series(values, index=pd.Index(survey.responses["response_id"].astype(str), dtype="str"))


def survey_themes(survey: Survey, *, language: str | None = None, settings: ThemeSettings = ThemeSettings()) -> SurveyThemes:
    """The themes of all ``survey``'s comments and each comment's sentiment.

    ``language``: the manager's choice (``en``, ``id``, ``es``), else detected over all the comments.
    """
    comments = survey_comments(survey)
    _rows, rating = view_rows(comments, survey, None)
    guess = comment_language(comments["text"], language)
    themes = find_themes(comments.assign(rating=rating), detected=guess, settings=settings)
    return SurveyThemes(themes, comment_sentiment(themes.comments["text"].tolist(), guess.language))


def _theme_sentiment(mentions: np.ndarray, sentiment: Sentiment, mask: np.ndarray) -> pd.DataFrame:
    """Per theme, the mean sentiment of the comments in ``mask`` mentioning it and their share of
    negative ones (NaN without a lexicon)."""
    k = mentions.shape[1]
    mean, negative = np.full(k, np.nan), np.full(k, np.nan)
    if sentiment.scores is not None:
        is_negative = np.asarray(sentiment.labels) == "negative"
        for t in range(1, k + 1):
            rows = mask & mentions[:, t - 1]
            if rows.any():
                mean[t - 1] = sentiment.scores[rows].mean()
                negative[t - 1] = 100.0 * is_negative[rows].mean()
    return pd.DataFrame({"theme": np.arange(1, k + 1, dtype=np.int64), "mean_sentiment": mean, "negative_pct": negative})


def _themes_mentioned(main: np.ndarray, mentions: np.ndarray, labels: tuple[str, ...]) -> pd.Series:
    """Per comment, the labels of the themes it mentions joined by " | ", its main theme first.

    >>> _themes_mentioned(np.array([1, 0, 2]), np.array([[1, 1], [0, 0], [1, 1]], dtype=bool), ("a", "b")).tolist()
    ['a | b', '', 'b | a']
    """
    lab = np.array(["", *labels], dtype=object)
    out = pd.Series(lab[main], dtype="object")
    for t, label in enumerate(labels, start=1):
        other = mentions[:, t - 1] & (main != t)
        out[other] = np.where(out[other] == "", label, out[other] + " | " + label)
    return out


def _view_comment_rows(fitted: SurveyThemes, mask: np.ndarray, rating: np.ndarray) -> pd.DataFrame:
    """The comments of a view with their rating, theme and sentiment (:data:`VIEW_COMMENT_COLUMNS`)."""
    themes, s = fitted.themes, fitted.sentiment
    rows = themes.comments.loc[mask].assign(rating=rating[mask]).reset_index(drop=True)
    main = rows["theme"].fillna(0).to_numpy(dtype=np.int64)
    rows["themes"] = _themes_mentioned(main, themes.mentions[mask], themes.labels).to_numpy()
    if s.scores is None:
        rows["sentiment"] = pd.Series([None] * len(rows), dtype="object")
        rows["sentiment_label"] = pd.Series([None] * len(rows), dtype="object")
    else:
        rows["sentiment"] = s.scores[mask]
        rows["sentiment_label"] = np.asarray(s.labels, dtype=object)[mask]
    for column in ("stage", "question"):
        if column not in rows.columns:
            rows[column] = None
    return rows[list(VIEW_COMMENT_COLUMNS)]


def theme_view(survey: Survey, stage: str | None = None, *, fitted: SurveyThemes | None = None,
               outcome: OutcomeSpec | None = None, language: str | None = None, settings: ThemeSettings = ThemeSettings(),
               correction: str = "holm", confidence: float = 0.95, min_n: int = 30) -> ThemeView:
    """Themes, sentiment and theme effects of one view of ``survey``'s comments.

    Parameters
    ----------
    survey : Survey
    stage : str, optional
        The stage viewed; ``None`` = the whole survey (see :func:`view_comments`).
    fitted : SurveyThemes, optional
        :func:`survey_themes` of this survey when already computed (then ``language`` and
        ``settings`` are not read): every view of a survey uses the same themes.
    outcome : OutcomeSpec, optional
        The outcome the effects compare (default: the survey's default outcome, else the proxy).
    language, settings
        For :func:`survey_themes` when ``fitted`` is not given.
    correction, confidence, min_n
        For the theme effects (:func:`~cycle_analytics.text.effects.theme_effects`): the family
        corrected together is the themes of this view.
    """
    _validate_survey_for_comments(survey)
    if fitted is None:
        fitted = survey_themes(survey, language=language, settings=settings)
    themes = fitted.themes
    mask, rating = view_rows(themes.comments, survey, stage)
    view_themes = replace(themes, comments=themes.comments.assign(rating=rating))
    table = tabulate_themes(view_themes, mask)
    shown = table["theme"].to_numpy(dtype=np.int64)
    mentions = themes.mentions
    effects = theme_effects(themes.comments.loc[mask, "response_id"], mentions[mask][:, shown - 1],
                            view_outcomes(survey, outcome, stage), themes=shown, correction=correction,
                            confidence=confidence, min_n=min_n)
    table = (table.merge(_theme_sentiment(mentions, fitted.sentiment, mask), on="theme", how="left")
             .merge(effects, on="theme", how="left"))[list(VIEW_COLUMNS)]
    return ThemeView(_(M.WHOLE_SURVEY) if stage is None else str(stage), stage, table,
                     _view_comment_rows(fitted, mask, rating), fitted.language, fitted.sentiment.reason,
                     tuple(_view_notes(stage, themes, table, int(mask.sum()), confidence, correction)))


def _view_notes(stage, themes: Themes, table: pd.DataFrame, n_view: int, confidence: float, correction: str) -> list[str]:
    """The sentences under a view's table: its scope, the themes' notes and the effect's definition."""
    notes = [_(M.SURVEY_SCOPE) if stage is None else _(M.STAGE_SCOPE).format(stage=stage), *themes.notes]
    if stage is not None:
        notes.append(M.stage_comments(n_view))
    if len(table) and not (table["n_with"] + table["n_without"]).gt(0).any():
        notes.append(_(M.EFFECT_NO_OUTCOME))
    elif len(table):
        notes.append(M.effect_reference(confidence, len(table), correction))
    return notes


def themes_table(survey: Survey, analysis: Analysis | None = None, *, outcome: OutcomeSpec | None = None,
                 language: str | None = None, settings: ThemeSettings | None = None, correction: str = "holm",
                 confidence: float = 0.95, min_n: int = 30, fitted: SurveyThemes | None = None) -> pd.DataFrame:
    """Every theme of ``survey``: the whole survey first, then each stage (cycle order) with comments.

    The one table the report, the workbook and the deck show: ``scope`` ("Whole survey" or the
    stage), ``stage`` (``None`` for the whole survey), ``language`` (the comments' language code or
    ``None``), then :data:`VIEW_COLUMNS` of each :func:`theme_view` (``theme`` = the theme's number
    in the survey, ``rank`` = its rank within the scope). Empty (with these columns) when the
    survey has no themes.

    Parameters
    ----------
    survey : Survey
    analysis : Analysis, optional
        The analysis shown next to the themes: its outcome, correction, ``min_n`` and seed are used
        (then ``outcome``, ``correction`` and ``min_n`` are not read).
    outcome, correction, confidence, min_n
        For the theme effects, without an analysis (see :func:`theme_view`).
    language : str, optional
        The manager's choice of comment language (``en``, ``id``, ``es``); ``None`` detects it.
    settings : ThemeSettings, optional
        Theme options (default: ``ThemeSettings(seed=analysis.settings.seed)`` or ``ThemeSettings()``).
    fitted : SurveyThemes, optional
        :func:`survey_themes` when already computed (then ``language`` and ``settings`` are not read).

    Examples
    --------
    >>> from cycle_analytics.ingest.importer import import_survey
    >>> s = import_survey(b"id,wait\\nA,1\\nB,5\\n", file_name="x.csv")
    >>> list(themes_table(s).columns[:5]), len(themes_table(s))
    (['scope', 'stage', 'language', 'theme', 'rank'], 0)
    """
    _validate_survey_for_comments(survey)
    if analysis is not None:
        if not isinstance(analysis, Analysis):
            raise SurveyError(_(M.NOT_AN_ANALYSIS))
        outcome, correction, min_n = analysis.outcome, analysis.settings.correction, analysis.settings.min_n
        settings = settings if settings is not None else ThemeSettings(seed=analysis.settings.seed)
    if fitted is None:
        fitted = survey_themes(survey, language=language, settings=settings if settings is not None else ThemeSettings())
    parts = []
    for stage in (None, *survey.stages):
        view = theme_view(survey, stage, fitted=fitted, outcome=outcome, correction=correction,
                          confidence=confidence, min_n=min_n)
        if len(view.table):
            parts.append(view.table.assign(scope=view.scope, stage=stage, language=fitted.language.language))
    columns = ["scope", "stage", "language", *VIEW_COLUMNS]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True)[columns]
