"""Every sentence about comments a manager reads, in one place (for the translation catalogue).

Each constant is a whole sentence with named ``{placeholders}``, marked with
:func:`~cycle_analytics.i18n.N_` (it stays English here) and translated where it is shown:
``_(M.NO_STAGE).format(stage=stage)`` with ``from cycle_analytics.i18n import gettext as _``.
Sentences that count something are functions that pick the plural form with
:func:`~cycle_analytics.i18n.ngettext` and fill in the locale's number (Indonesian has one form,
English and Spanish two). None is built from fragments, so a translator can reorder the words.
Numbers and percentages are filled in already formatted for the language
(:func:`~cycle_analytics.i18n.format_number`, :func:`~cycle_analytics.i18n.format_percent`). The
page, the report and the workbook use these same texts.

Examples
--------
>>> from cycle_analytics.i18n import using_language
>>> empty_comments_dropped(1), empty_comments_dropped(1200)
('1 empty comment was left out.', '1,200 empty comments were left out.')
>>> with using_language("es"):
...     empty_comments_dropped(2)
'Se descartaron 2 comentarios vacíos.'
"""

from __future__ import annotations

from cycle_analytics.i18n import N_, format_number, format_percent, gettext, ngettext

# language (cycle_analytics.text.language) ------------------------------------------------------
UNKNOWN_LANGUAGE = N_("The comment language must be one of {codes}, not {value!r}.")
LANGUAGE_CHOSEN = N_("{name}, chosen by the manager.")
#: ``{share}`` is a formatted percentage (:func:`~cycle_analytics.i18n.format_percent`).
LANGUAGE_DETECTED = N_("{name}, detected: {share} of the comments' words are {name} stop words.")
LANGUAGE_NONE_FITS = N_("Not detected: the comments do not read as English, Indonesian or Spanish "
                        "(at most {share} of their words are stop words of one of them).")
LANGUAGE_OTHER = N_("Not detected: the comments read as {other} ({share} of their words are frequent {other} words), "
                    "not as English, Indonesian or Spanish.")
LANGUAGE_NONE_THEMES = N_("The comments' language was not recognised, so themes were found without "
                          "stop words or stemming; choose the language if you know it.")

# sentiment (cycle_analytics.text.sentiment) ----------------------------------------------------
SENTIMENT_VADER = N_("Sentiment per comment from VADER (Hutto and Gilbert 2014), a lexicon for English: "
                     "from -1 (most negative) to +1 (most positive); negative below -0.05, positive above +0.05.")
SENTIMENT_NO_LEXICON = N_("No sentiment for {name} comments: no maintained sentiment lexicon for {name} "
                          "is available to this product, and a guess would mislead.")
SENTIMENT_NO_LANGUAGE = N_("No sentiment: the comments' language was not recognised.")

# themes (cycle_analytics.text.themes) ----------------------------------------------------------
COMMENTS_NOT_TABLE = N_("The comments must be a table with the columns response_id and text.")
COMMENTS_MISSING_COLUMN = N_("The comments table has no column {column!r}.")
NOT_THEME_SETTINGS = N_("The theme settings must be a ThemeSettings, not {value!r}.")
BAD_WHOLE_SETTING = N_("The theme setting {name} must be a whole number of at least {lowest}, not {value!r}.")
BAD_N_THEMES = N_("The number of themes must be None (chosen from the comments) or a whole number of at least 1, not {value!r}.")
BAD_MIN_DF_SHARE = N_("The theme setting min_df_share must be a share from 0 to 0.5, not {value!r}.")
BAD_ROWS = N_("The rows to table must be one true/false value per comment of the themes.")
THEMES_CHOSEN_APART = N_("The number of themes, {k}, is the largest between 2 and {k_max} for which every theme has "
                         "its own main word (more themes would split one subject in two).")
THEMES_FIXED = N_("The number of themes, {k}, was set by hand.")

# theme effects (cycle_analytics.text.effects) --------------------------------------------------
BAD_MENTIONS = N_("The theme mentions must be one row of true/false values per comment.")
BAD_EFFECT_OUTCOME = N_("The theme effects need the outcome as a Series indexed by response_id.")
BAD_THEME_NUMBERS = N_("The theme effects need one theme number per column of the mentions.")

# views (cycle_analytics.text.views) ------------------------------------------------------------
NOT_A_SURVEY = N_("Comment themes need the imported survey (a Survey).")
NOT_AN_ANALYSIS = N_("The themes table needs the analysis of the survey (from analysis.analyze).")
MISSING_COMMENT_COLUMN = N_("The comment column {column!r} is not in the responses table.")
WHOLE_SURVEY = N_("Whole survey")
NO_COMMENT_COLUMN = N_("The survey has no comment column.")
NO_STAGE = N_("The survey has no stage {stage!r}.")
STAGE_SCOPE = N_("Comments of {stage}: the answers to its own comment question, and the general comments "
                 "of respondents who rated it in the bottom box.")
SURVEY_SCOPE = N_("Comments of the whole survey: every comment column, every respondent.")
EFFECT_NO_OUTCOME = N_("No theme effect: no respondent here has an outcome value.")

# page and report headings and captions ---------------------------------------------------------
THEMES_HEADING = N_("Themes in the comments")
THEMES_OF_SURVEY_HEADING = N_("Themes in the comments of the whole survey")
THEMES_SCOPE_LABEL = N_("Comments of")
LANGUAGE_LABEL = N_("Comment language")
LANGUAGE_CAPTION = N_("Comment language: {reason}")
LANGUAGE_AUTOMATIC = N_("Detected automatically")
THEMES_TABLE_CAPTION = N_("Each theme: its key words, how many comments belong to it, the mean rating of their writers, "
                          "the effect on the outcome and three example comments (shown as written).")
THEMES_METHOD_EXPANDER = N_("How the themes, their effect and the sentiment were found")
THEME_COMMENTS_CAPTION = N_("Every comment here with its theme and sentiment; comments are shown as text, never as markup.")
THEMES_REPORT_NOTE = N_("Themes are found once in all the survey's comments: TF-IDF of their words (stop words removed, "
                        "words reduced to their stem) factorised with NMF (scikit-learn); a comment mentions a theme "
                        "that carries at least a third of its weight. A stage's comments are the answers to its own comment "
                        "question and the general comments of the respondents who rated it in the bottom box. Effect on the "
                        "outcome: mean outcome of the other commenters minus that of those who mention the theme (positive = "
                        "the theme goes with a lower outcome), with a Welch 95% interval and a Mann-Whitney U test, p-values "
                        "corrected over the themes of each part.")
NO_THEMES_ANYWHERE = N_("No themes: the survey has no comments, or too few to find themes in.")

#: Column headers of the themes table as the page, report and workbook show them (translate each
#: with ``_(header)`` where it is shown; :func:`theme_headers` does it for the whole table).
THEME_HEADERS = {
    "scope": N_("Comments of"),
    "rank": "#",
    "label": N_("Theme"),
    "key_words": N_("Key words"),
    "n_comments": N_("Comments"),
    "share_pct": N_("Share of comments %"),
    "mean_rating": N_("Mean rating of the writers"),
    "mean_sentiment": N_("Mean sentiment"),
    "negative_pct": N_("Negative %"),
    "penalty": N_("Effect on the outcome"),
    "penalty_ci_low": N_("Effect 95% CI low"),
    "penalty_ci_high": N_("Effect 95% CI high"),
    "p_adjusted": N_("p (corrected)"),
    "n_with": N_("Respondents mentioning it"),
    "small_sample": N_("Small sample"),
    "example_1": N_("Example 1"),
    "example_2": N_("Example 2"),
    "example_3": N_("Example 3"),
}


# counted sentences -----------------------------------------------------------------------------


def theme_headers() -> dict[str, str]:
    """:data:`THEME_HEADERS` in the current language (column -> header)."""
    return {column: gettext(header) if header != "#" else header for column, header in THEME_HEADERS.items()}


def language_too_few_words(n: int) -> str:
    """Why no language was detected: too few words."""
    return ngettext("Not detected: the comments hold only {n} word, too few to tell the language.",
                    "Not detected: the comments hold only {n} words, too few to tell the language.", n).format(n=format_number(n))


def too_few_comments(n: int, minimum: int) -> str:
    """No themes: fewer comments than the method needs."""
    return ngettext("Only {n} comment here; themes need at least {minimum}, so read the comments themselves.",
                    "Only {n} comments here; themes need at least {minimum}, so read the comments themselves.",
                    n).format(n=format_number(n), minimum=format_number(minimum))


def no_key_words(n: int) -> str:
    """No themes: the comments share no word."""
    return ngettext("The {n} comment here shares no word used in two comments or more (after stop words), "
                    "so there are no themes; read the comment itself.",
                    "The {n} comments here share no word used in two comments or more (after stop words), "
                    "so there are no themes; read the comments themselves.", n).format(n=format_number(n))


def empty_comments_dropped(n: int) -> str:
    """How many empty comments were left out."""
    return ngettext("{n} empty comment was left out.", "{n} empty comments were left out.", n).format(n=format_number(n))


def unassigned_comments(n: int) -> str:
    """How many comments belong to no theme."""
    return ngettext("{n} comment uses none of the themes' words and belongs to no theme.",
                    "{n} comments use none of the themes' words and belong to no theme.", n).format(n=format_number(n))


def themes_found(k: int, n: int, language: str | None) -> str:
    """How many themes were found in how many comments, and in which language (``None``: not recognised)."""
    if language is None:
        return ngettext("{k} theme in {n} comments (language not recognised).",
                        "{k} themes in {n} comments (language not recognised).", k).format(k=format_number(k), n=format_number(n))
    return ngettext("{k} theme in {n} comments ({language}).", "{k} themes in {n} comments ({language}).",
                    k).format(k=format_number(k), n=format_number(n), language=language)


def stage_comments(n: int) -> str:
    """How many comments a stage's view holds."""
    return ngettext("{n} comment here; its themes are those found in the comments of the whole survey.",
                    "{n} comments here; their themes are those found in the comments of the whole survey.",
                    n).format(n=format_number(n))


def effect_reference(confidence: float, k: int, correction: str) -> str:
    """The definition of a theme's effect on the outcome."""
    return ngettext(
        "Theme effect: mean outcome of the commenters here who do not mention the theme minus that of those who do "
        "(positive = the theme goes with a lower outcome), with a Welch {confidence} interval and a Mann-Whitney U "
        "test; the p-value is that of the {k} theme shown ({correction}).",
        "Theme effect: mean outcome of the commenters here who do not mention the theme minus that of those who do "
        "(positive = the theme goes with a lower outcome), with a Welch {confidence} interval and a Mann-Whitney U "
        "test; p-values corrected over the {k} themes shown ({correction}).",
        k).format(confidence=format_percent(confidence), k=format_number(k), correction=correction)
