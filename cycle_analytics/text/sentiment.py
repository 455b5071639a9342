"""Sentiment per comment, where a maintained lexicon exists for the comments' language.

* English: VADER (Hutto and Gilbert 2014, ``vaderSentiment``), a lexicon and rules tuned on short
  social-media texts; the score is its ``compound`` value in [-1, 1], labelled ``negative`` below
  -0.05, ``positive`` above +0.05 and ``neutral`` between (the authors' thresholds).
* Indonesian and Spanish: no maintained sentiment lexicon is available from the package registries
  this product uses (the candidates are unmaintained or download a model at run time), so the
  scores are ``None`` with a sentence that says so: never a guess from another language's lexicon.

Examples
--------
>>> s = comment_sentiment(["The teller was rude and slow.", "Great, friendly staff!"], "en")
>>> s.scores.round(2).tolist(), s.labels
([-0.46, 0.82], ('negative', 'positive'))
>>> comment_sentiment(["Pelayanan lambat"], "id").scores is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from cycle_analytics.i18n import gettext as _
from cycle_analytics.text import messages as M
from cycle_analytics.text.language import LANGUAGE_NAMES, validate_language

__all__ = ["Sentiment", "comment_sentiment", "sentiment_labels", "SENTIMENT_LEXICONS", "NEUTRAL_BAND"]

#: The language codes with a sentiment lexicon, and its name.
SENTIMENT_LEXICONS = {"en": "VADER 3.3.2"}
#: Compound scores within this distance of 0 are neutral (Hutto and Gilbert's thresholds).
NEUTRAL_BAND = 0.05


@dataclass(frozen=True)
class Sentiment:
    """Sentiment of a list of comments.

    ``scores``: float64 array in [-1, 1] aligned with the comments, or ``None`` when the language
    has no lexicon; ``labels``: ``negative`` / ``neutral`` / ``positive`` per comment (``None``
    likewise); ``method``: the lexicon used or ``None``; ``reason``: the sentence to show.
    """

    scores: np.ndarray | None
    labels: tuple[str, ...] | None
    method: str | None
    reason: str


def sentiment_labels(scores: np.ndarray) -> tuple[str, ...]:
    """``negative``, ``neutral`` or ``positive`` for each compound score (see :data:`NEUTRAL_BAND`).

    >>> sentiment_labels(np.array([-0.3, 0.0, 0.05, 0.06]))
    ('negative', 'neutral', 'neutral', 'positive')
    """
    s = np.asarray(scores, dtype=np.float64)
    out = np.where(s < -NEUTRAL_BAND, "negative", np.where(s > NEUTRAL_BAND, "positive", "neutral"))
    return tuple(str(x) for x in out)


def comment_sentiment(texts: Sequence[str], language: str | None) -> Sentiment:
    """Sentiment of every text in ``texts`` for a language code (``None`` = not recognised).

    Each distinct text is scored once (surveys repeat short comments such as "Good service").
    """
    if language is None:
        return Sentiment(None, None, None, _(M.SENTIMENT_NO_LANGUAGE))
    code = validate_language(language)
    if code not in SENTIMENT_LEXICONS:
        return Sentiment(None, None, None, _(M.SENTIMENT_NO_LEXICON).format(name=_(LANGUAGE_NAMES[code])))
    values = pd.Series(list(texts), dtype="object").fillna("").astype(str)
    codes, uniques = pd.factorize(values)
    analyser = SentimentIntensityAnalyzer()
    scored = np.array([analyser.polarity_scores(t)["compound"] for t in uniques], dtype=np.float64)
    scores = scored[codes] if len(values) else np.empty(0)
    return Sentiment(scores, sentiment_labels(scores), SENTIMENT_LEXICONS[code], _(M.SENTIMENT_VADER))
