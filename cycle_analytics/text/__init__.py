"""Comments: their language, themes, sentiment and what each theme costs in the outcome.

Where a stage hurts, the comments say why. The package is cut at its natural seams; every public
name is importable from here:

* :mod:`~cycle_analytics.text.language` - words, stop words (``data/stopwords_<code>.txt``) and
  the language of a survey's comments (English, Indonesian, Spanish, or not recognised), with the
  manager's override;
* :mod:`~cycle_analytics.text.themes` - themes of a set of comments: TF-IDF and NMF
  (scikit-learn), stems (Snowball, Sastrawi), the number of themes, which comments mention which
  theme, and the table of themes for any part of the comments;
* :mod:`~cycle_analytics.text.sentiment` - VADER sentiment for English comments, ``None`` with a
  reason for the languages without a maintained lexicon;
* :mod:`~cycle_analytics.text.effects` - which theme hurts: the outcome of customers mentioning a
  theme against the other commenters (Welch interval, Mann-Whitney U, corrected p-values);
* :mod:`~cycle_analytics.text.views` - a survey's comments as one long table (every comment
  column), their themes found once, and the view of one stage or the whole survey;
  :func:`~cycle_analytics.text.views.themes_table` is the table the report, workbook and deck show;
* :mod:`~cycle_analytics.text.messages` - every sentence a manager reads about comments.

Definitions and tests: docs/statistics.md, "Themes"; tests/test_themes.py.
"""

from cycle_analytics.text.effects import theme_effects
from cycle_analytics.text.language import LANGUAGE_NAMES, LANGUAGES, comment_language, detect_language, stop_words
from cycle_analytics.text.sentiment import comment_sentiment
from cycle_analytics.text.themes import ThemeSettings, Themes, find_themes, tabulate_themes
from cycle_analytics.text.views import (
    SurveyThemes,
    ThemeView,
    survey_comments,
    survey_themes,
    theme_view,
    themes_table,
    view_comments,
)

__all__ = [
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "detect_language",
    "comment_language",
    "stop_words",
    "comment_sentiment",
    "ThemeSettings",
    "Themes",
    "find_themes",
    "tabulate_themes",
    "theme_effects",
    "SurveyThemes",
    "ThemeView",
    "survey_comments",
    "view_comments",
    "survey_themes",
    "theme_view",
    "themes_table",
]
