"""Every sentence about comments a manager reads, in one place (for the translation catalogue).

Each constant is a whole sentence with named ``{placeholders}`` filled by ``str.format``; none is
built from fragments, so a translator can reorder the words. The page, the report and the
workbook use these same texts.
"""

from __future__ import annotations

# language (cycle_analytics.text.language) ------------------------------------------------------
UNKNOWN_LANGUAGE = "The comment language must be one of {codes}, not {value!r}."
LANGUAGE_CHOSEN = "{name}, chosen by the manager."
LANGUAGE_DETECTED = "{name}, detected: {share:.0%} of the comments' words are {name} stop words."
LANGUAGE_TOO_FEW_WORDS = "Not detected: the comments hold only {n} words, too few to tell the language."
LANGUAGE_NONE_FITS = ("Not detected: the comments do not read as English, Indonesian or Spanish "
                      "(at most {share:.0%} of their words are stop words of one of them).")
LANGUAGE_OTHER = ("Not detected: the comments read as {other} ({share:.0%} of their words are frequent {other} words), "
                  "not as English, Indonesian or Spanish.")
LANGUAGE_NONE_THEMES = ("The comments' language was not recognised, so themes were found without "
                        "stop words or stemming; choose the language if you know it.")

# sentiment (cycle_analytics.text.sentiment) ----------------------------------------------------
SENTIMENT_VADER = ("Sentiment per comment from VADER (Hutto and Gilbert 2014), a lexicon for English: "
                   "from -1 (most negative) to +1 (most positive); negative below -0.05, positive above +0.05.")
SENTIMENT_NO_LEXICON = ("No sentiment for {name} comments: no maintained sentiment lexicon for {name} "
                        "is available to this product, and a guess would mislead.")
SENTIMENT_NO_LANGUAGE = "No sentiment: the comments' language was not recognised."

# themes (cycle_analytics.text.themes) ----------------------------------------------------------
COMMENTS_NOT_TABLE = "The comments must be a table with the columns response_id and text."
COMMENTS_MISSING_COLUMN = "The comments table has no column {column!r}."
NOT_THEME_SETTINGS = "The theme settings must be a ThemeSettings, not {value!r}."
BAD_WHOLE_SETTING = "The theme setting {name} must be a whole number of at least {lowest}, not {value!r}."
BAD_N_THEMES = "The number of themes must be None (chosen from the comments) or a whole number of at least 1, not {value!r}."
BAD_MIN_DF_SHARE = "The theme setting min_df_share must be a share from 0 to 0.5, not {value!r}."
BAD_ROWS = "The rows to table must be one true/false value per comment of the themes."
TOO_FEW_COMMENTS = "Only {n} comments here; themes need at least {minimum}, so read the comments themselves."
NO_KEY_WORDS = ("The {n} comments here share no word used in two comments or more (after stop words), "
                "so there are no themes; read the comments themselves.")
EMPTY_COMMENTS_DROPPED = "{n} empty comments were left out."
UNASSIGNED_COMMENTS = "{n} comments use none of the themes' words and belong to no theme."
THEMES_FOUND = "{k} themes in {n} comments ({language})."
THEMES_FOUND_NO_LANGUAGE = "{k} themes in {n} comments (language not recognised)."
THEMES_CHOSEN_APART = ("The number of themes, {k}, is the largest between 2 and {k_max} for which every theme has "
                       "its own main word (more themes would split one subject in two).")
THEMES_FIXED = "The number of themes, {k}, was set by hand."

# theme effects (cycle_analytics.text.effects) --------------------------------------------------
BAD_MENTIONS = "The theme mentions must be one row of true/false values per comment."
BAD_EFFECT_OUTCOME = "The theme effects need the outcome as a Series indexed by response_id."
BAD_THEME_NUMBERS = "The theme effects need one theme number per column of the mentions."

# views (cycle_analytics.text.views) ------------------------------------------------------------
NOT_A_SURVEY = "Comment themes need the imported survey (a Survey)."
NOT_AN_ANALYSIS = "The themes table needs the analysis of the survey (from analysis.analyze)."
MISSING_COMMENT_COLUMN = "The comment column {column!r} is not in the responses table."
WHOLE_SURVEY = "Whole survey"
NO_COMMENT_COLUMN = "The survey has no comment column."
NO_STAGE = "The survey has no stage {stage!r}."
STAGE_SCOPE = ("Comments of {stage}: the answers to its own comment question, and the general comments "
               "of respondents who rated it in the bottom box.")
SURVEY_SCOPE = "Comments of the whole survey: every comment column, every respondent."
STAGE_COMMENTS = "{n} comments here; their themes are those found in the comments of the whole survey."
EFFECT_REFERENCE = ("Theme effect: mean outcome of the commenters here who do not mention the theme minus that "
                    "of those who do (positive = the theme goes with a lower outcome), with a Welch {confidence:.0%} "
                    "interval and a Mann-Whitney U test; p-values corrected over the {k} themes shown ({correction}).")
EFFECT_NO_OUTCOME = "No theme effect: no respondent here has an outcome value."

# page and report headings and captions ---------------------------------------------------------
THEMES_HEADING = "Themes in the comments"
THEMES_OF_SURVEY_HEADING = "Themes in the comments of the whole survey"
THEMES_SCOPE_LABEL = "Comments of"
LANGUAGE_LABEL = "Comment language"
LANGUAGE_CAPTION = "Comment language: {reason}"
LANGUAGE_AUTOMATIC = "Detected automatically"
THEMES_TABLE_CAPTION = ("Each theme: its key words, how many comments belong to it, the mean rating of their writers, "
                        "the effect on the outcome and three example comments (shown as written).")
THEMES_METHOD_EXPANDER = "How the themes, their effect and the sentiment were found"
THEME_COMMENTS_CAPTION = "Every comment here with its theme and sentiment; comments are shown as text, never as markup."
THEMES_REPORT_NOTE = ("Themes are found once in all the survey's comments: TF-IDF of their words (stop words removed, "
                      "words reduced to their stem) factorised with NMF (scikit-learn); a comment mentions a theme "
                      "that carries at least a third of its weight. A stage's comments are the answers to its own comment "
                      "question and the general comments of the respondents who rated it in the bottom box. Effect on the "
                      "outcome: mean outcome of the other commenters minus that of those who mention the theme (positive = "
                      "the theme goes with a lower outcome), with a Welch 95% interval and a Mann-Whitney U test, p-values "
                      "corrected over the themes of each part.")
NO_THEMES_ANYWHERE = "No themes: the survey has no comments, or too few to find themes in."

#: Column headers of the themes table as the page, report and workbook show them.
THEME_HEADERS = {
    "scope": "Comments of",
    "rank": "#",
    "label": "Theme",
    "key_words": "Key words",
    "n_comments": "Comments",
    "share_pct": "Share of comments %",
    "mean_rating": "Mean rating of the writers",
    "mean_sentiment": "Mean sentiment",
    "negative_pct": "Negative %",
    "penalty": "Effect on the outcome",
    "penalty_ci_low": "Effect 95% CI low",
    "penalty_ci_high": "Effect 95% CI high",
    "p_adjusted": "p (corrected)",
    "n_with": "Respondents mentioning it",
    "small_sample": "Small sample",
    "example_1": "Example 1",
    "example_2": "Example 2",
    "example_3": "Example 3",
}
