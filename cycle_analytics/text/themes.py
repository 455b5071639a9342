"""Comment themes: TF-IDF of the comments' words factorised with NMF (scikit-learn).

:func:`find_themes` takes a long table of comments (one row per comment: ``response_id``,
``text``, optionally ``stage`` and ``rating``) and returns a :class:`Themes`: the themes (key
words) and the theme of every comment. :func:`tabulate_themes` then tables them for all those
comments or for a part of them (a stage): one row per theme with its number of comments, share,
mean rating of the writers and three example comments. The method (docs/statistics.md, "Themes"):

1. **Words.** Each comment is split into lower-case words (letters only, two letters or more);
   the stop words of the comments' language are dropped (accents ignored) and the other words are
   reduced to their stem: Snowball (``snowballstemmer``) for English and Spanish, Sastrawi for
   Indonesian ("pelayanan", "melayani" -> "layan"). A stem must occur in at least ``min_df``
   comments (2; in large sets also 1 comment in ``1 / min_df_share``). Each stem is shown as the
   word customers wrote most often for it. Without a recognised language: no stop words, no stems.
2. **Weights.** TF-IDF with sublinear term frequency ``1 + log(tf)`` and smooth idf, each comment's
   row scaled to length 1 (``sklearn.feature_extraction.text.TfidfVectorizer``).
3. **Themes.** Non-negative matrix factorisation ``X ~ W H`` with ``k`` themes (Frobenius loss,
   coordinate descent, NNDSVDa start, ``random_state=seed``; ``sklearn.decomposition.NMF``). A
   theme's key words are the ``key_words`` stems with the largest weights in its row of ``H``. A
   comment **mentions** a theme when it uses one of the theme's key words and the theme carries
   at least :data:`MENTION_SHARE` (a third) of the comment's weight in ``W`` (so a comment
   mentions at most three themes, none when it uses none of their key words); its **main** theme
   is the mentioned one with the largest weight.
4. **How many themes.** Unless ``n_themes`` is given: the largest ``k`` from 2 to
   ``min(max_themes, n / 5)`` for which every theme has its own main word (its first key word is
   not among the first :data:`MAIN_WORD_DEPTH` key words of another theme), else 1. More themes than subjects
   split a subject in two that keep its main word ("queue, long, wait" and "ages, barely, moved,
   wait, queue"). The check runs on a seeded sample of at most ``selection_sample`` comments.
5. **Table.** Themes from the most comments mentioning them to the fewest; the mean rating of
   their writers (the ``rating`` column); as examples the distinct comments with the theme's
   largest weights in ``W``.

Themes are found once for a set of comments and tabled for any part of it, so a stage's table
uses the themes of the whole survey (a subject has the same name on every stage, and the few
comments of one stage do not have to carry a factorisation of their own). Everything is
deterministic for a given ``seed``: the same comments give the same themes.

Examples
--------
>>> texts = ["The queue was long", "Long queue again", "Queue far too long", "Rude guard at the door",
...          "The guard was rude", "Rude and unfriendly guard", "Long wait in the queue", "Guard rude to me",
...          "Queue long and slow", "Unfriendly rude guard"]
>>> t = find_themes(pd.DataFrame({"response_id": [f"r{i}" for i in range(10)], "text": texts}), language="en")
>>> t.k, t.key_words
(2, (('guard', 'rude', 'unfriendly'), ('long', 'queue')))
>>> tabulate_themes(t, np.arange(10) < 7)[["theme", "rank", "n_comments"]].values.tolist()
[[2, 1, 4], [1, 2, 3]]
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import snowballstemmer
from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
from Sastrawi.Stemmer.Stemmer import Stemmer
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
from scipy import sparse
from threadpoolctl import threadpool_limits

from cycle_analytics.errors import SurveyError
from cycle_analytics.i18n import gettext as _
from cycle_analytics.text import messages as M
from cycle_analytics.text.language import (
    LANGUAGE_NAMES,
    LanguageGuess,
    comment_language,
    fold_accents,
    raw_words,
    stop_words,
)

__all__ = ["ThemeSettings", "Themes", "CommentTerms", "RootWords", "find_themes", "tabulate_themes", "theme_mentions",
           "MENTION_SHARE", "MAIN_WORD_DEPTH", "THEME_COLUMNS"]

#: A theme's main word must not be among this many first key words of another theme (step 4). On
#: 30 planted surveys of tests/comment_synth.py, 5 and 6 find every planted theme exactly, 4 and 3
#: miss one to three; on the bank sample, 6 stops at 3 themes that merge the money complaints into
#: the queue, 5 finds 6 (waiting at the counter, notes and checks, waiting time, money mistakes,
#: the ticket machine, the slow queue).
MAIN_WORD_DEPTH = 5
#: A comment mentions a theme that carries at least this share of its weight in ``W`` (step 3). On
#: the planted surveys of tests/comment_synth.py every share from 0.2 to 0.4 counts the planted
#: theme exactly; the largest share alone (each comment in one theme) lets a rare filler sentence
#: ("Monday morning.") take comments from their subject.
MENTION_SHARE = 1 / 3
#: The columns of :func:`tabulate_themes`.
THEME_COLUMNS = ("theme", "rank", "label", "key_words", "n_comments", "share_pct", "mean_rating", "n_rated",
                 "example_1", "example_2", "example_3")
#: Example comments tabled per theme.
TABLED_EXAMPLES = 3
SNOWBALL_LANGUAGES = {"en": "english", "es": "spanish"}


@dataclass(frozen=True)
class ThemeSettings:
    """Options of :func:`find_themes` (see the module docstring for their role).

    ``n_themes``: a fixed number of themes, or ``None`` to choose it (step 4) between 2 and
    ``max_themes``; ``min_comments``: fewer comments give no themes; ``key_words``: key words
    shown per theme; ``seed``: the NMF start and the sample of step 4; ``selection_sample``: the
    most comments step 4 reads; ``min_df``, ``min_df_share``: the fewest comments a word must occur in.
    """

    n_themes: int | None = None
    max_themes: int = 8
    min_comments: int = 10
    key_words: int = 6
    seed: int = 0
    selection_sample: int = 3000
    min_df: int = 2
    min_df_share: float = 0.0005


@dataclass(frozen=True)
class Themes:
    """The themes of a set of comments (from :func:`find_themes`; table them with :func:`tabulate_themes`).

    Themes are numbered from the most comments mentioning them to the fewest. ``comments``: the
    non-empty input rows with ``theme`` (the main theme: the mentioned one with the largest weight,
    nullable integer 1..k, ``<NA>`` = none) and ``theme_share`` (its share of the comment's
    weight); ``weights``: ``W`` (comments x themes, in theme order); ``mentions``: comments x
    themes, which themes each comment mentions (step 3); ``key_words``: per theme, its key words as
    customers write them; ``language``: the language used; ``k``: the number of themes (0 = none);
    ``tried``: ``(k, own main words)`` for each number of themes checked (step 4); ``notes``:
    sentences for the manager (why there are no themes, comments in no theme...).
    """

    comments: pd.DataFrame
    weights: np.ndarray
    mentions: np.ndarray
    key_words: tuple[tuple[str, ...], ...]
    language: LanguageGuess
    k: int
    tried: tuple[tuple[int, bool], ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def labels(self) -> tuple[str, ...]:
        """Each theme's first three key words, as its name."""
        return tuple(" · ".join(words[:3]) for words in self.key_words)



# ---------------------------------------------------------------------------------------------
# validation


def _validate_theme_settings(settings: ThemeSettings) -> ThemeSettings:
    """Raise a :class:`SurveyError` naming the first setting that cannot be used."""
    if not isinstance(settings, ThemeSettings):
        raise SurveyError(_(M.NOT_THEME_SETTINGS).format(value=settings))
    whole = {"max_themes": 1, "min_comments": 2, "key_words": 1, "seed": 0, "selection_sample": 10, "min_df": 1}
    for name, lowest in whole.items():
        value = getattr(settings, name)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < lowest:
            raise SurveyError(_(M.BAD_WHOLE_SETTING).format(name=name, lowest=lowest, value=value))
    n = settings.n_themes
    if n is not None and (not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1):
        raise SurveyError(_(M.BAD_N_THEMES).format(value=n))
    share = settings.min_df_share
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share < 0.5:
        raise SurveyError(_(M.BAD_MIN_DF_SHARE).format(value=share))
    return settings


def _validate_comments(comments: pd.DataFrame) -> None:
    """The comments must be a table with ``response_id`` and ``text``."""
    if not isinstance(comments, pd.DataFrame):
        raise SurveyError(_(M.COMMENTS_NOT_TABLE))
    for column in ("response_id", "text"):
        if column not in comments.columns:
            raise SurveyError(_(M.COMMENTS_MISSING_COLUMN).format(column=column))


# ---------------------------------------------------------------------------------------------
# words


class RootWords(ArrayDictionary):
    """Sastrawi's dictionary of Indonesian root words, looked up in a set.

    Sastrawi's own ``ArrayDictionary`` searches a list of 30,000 words at every step of every
    word (about 0.2 s for a word it does not know); the set gives the same stems about 1,000 times
    faster (tests/test_themes.py compares the two).
    """

    def __init__(self, words) -> None:
        super().__init__(words)
        self.lookup = frozenset(self.words)

    def contains(self, word: str) -> bool:
        return word in self.lookup


def _stemmer_of(language: str | None) -> Callable[[str], str]:
    """The stemming function of a language code (the word itself when there is none)."""
    if language == "id":
        return Stemmer(RootWords(StemmerFactory().get_words_from_file())).stem
    if language in SNOWBALL_LANGUAGES:
        return snowballstemmer.stemmer(SNOWBALL_LANGUAGES[language]).stemWord
    return str


class CommentTerms:
    """The analyser given to ``TfidfVectorizer``: a comment -> its stems, stop words dropped.

    Each distinct word is looked up once. It also counts the words as written, so that
    :meth:`display_names` can show each stem as the word customers used most often for it.

    >>> terms = CommentTerms("en")
    >>> terms("Waiting, waited and WAITED again at the counters")
    ['wait', 'wait', 'wait', 'counter']
    >>> terms.display_names()["wait"]
    'waited'
    """

    def __init__(self, language: str | None) -> None:
        self.stop = stop_words(language) if language is not None else frozenset()
        self.stem = _stemmer_of(language)
        self.term_of: dict[str, str] = {}
        self.word_counts: Counter = Counter()

    def term(self, word: str) -> str:
        """The stem of one lower-case word, accents removed; ``""`` for a stop word."""
        folded = fold_accents(word)
        if folded in self.stop:
            return ""
        stem = fold_accents(self.stem(word))
        return stem if len(stem) > 1 else ""

    def __call__(self, text: str) -> list[str]:
        written = raw_words(text)
        self.word_counts.update(written)
        term_of, out = self.term_of, []
        for w in written:
            t = term_of.get(w)
            if t is None:
                t = term_of[w] = self.term(w)
            if t:
                out.append(t)
        return out

    def display_names(self) -> dict[str, str]:
        """Each stem's most frequent written word (ties: the word met first)."""
        names: dict[str, str] = {}
        for word, _count in self.word_counts.most_common():
            t = self.term_of.get(word)
            if t and t not in names:
                names[t] = word
        return names


# ---------------------------------------------------------------------------------------------
# the factorisation and the number of themes


def _tfidf(texts: list[str], terms: CommentTerms, min_df: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The TF-IDF matrix of ``texts`` and its stems (no column when no stem occurs ``min_df`` times)."""
    # scikit-learn costs about 0.8 s to import (python -X importtime); only theme requests pay it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=terms, min_df=min_df, sublinear_tf=True, dtype=np.float64)
    try:
        x = vectoriser.fit_transform(texts)
    except ValueError:  # no stem left after min_df or stop words (scikit-learn's "empty vocabulary")
        return sparse.csr_matrix((len(texts), 0)), np.array([], dtype=object)
    return x.tocsr(), vectoriser.get_feature_names_out()


def _nmf(x: sparse.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(W, H)`` of ``sklearn.decomposition.NMF`` with ``k`` components (deterministic for a seed)."""
    from sklearn.decomposition import NMF  # see _tfidf: import cost paid by theme requests only
    from sklearn.exceptions import ConvergenceWarning

    model = NMF(n_components=k, init="nndsvda", solver="cd", max_iter=400, random_state=seed)
    # One BLAS thread: the matrices are small (comments x a few themes), threaded BLAS on a busy
    # 2-core machine was measured 30 to 100 times slower, and one thread adds up in a fixed order.
    with threadpool_limits(limits=1), warnings.catch_warnings(), np.errstate(invalid="ignore"):
        # the iteration cap is a speed bound (a not fully converged W still ranks the themes), and
        # scikit-learn's loss takes the square root of a rounding-error negative for an exact fit
        warnings.simplefilter("ignore", ConvergenceWarning)
        w = model.fit_transform(x)
    return w, model.components_


def _top_term_sets(h: np.ndarray, top: int) -> list[frozenset]:
    """The indexes of each theme's ``top`` heaviest stems (stems of weight 0 left out)."""
    order = np.argsort(-h, axis=1, kind="stable")[:, :top]
    return [frozenset(int(j) for j in row if h[i, j] > 0) for i, row in enumerate(order)]


def _own_main_words(h: np.ndarray) -> bool:
    """True when no theme's main (heaviest) stem is among another theme's first :data:`MAIN_WORD_DEPTH` key words."""
    sets = _top_term_sets(h, MAIN_WORD_DEPTH)
    mains = np.argmax(h, axis=1)
    return not any(int(mains[t]) in sets[u] for t in range(len(h)) for u in range(len(h)) if t != u)


def _number_of_themes(x: sparse.csr_matrix, settings: ThemeSettings) -> tuple[int, tuple[tuple[int, bool], ...]]:
    """``k`` (fixed, or the largest whose themes have their own main words; step 4) and ``(k, own)``
    for each ``k`` tried."""
    limit = min(x.shape)
    if settings.n_themes is not None:
        return min(settings.n_themes, limit), ()
    k_max = min(settings.max_themes, x.shape[0] // 5, limit)
    if x.shape[0] > settings.selection_sample:
        rng = np.random.default_rng(settings.seed)
        x = x[np.sort(rng.choice(x.shape[0], settings.selection_sample, replace=False))]
    tried = tuple((k, _own_main_words(_nmf(x, k, settings.seed)[1])) for k in range(2, k_max + 1))
    return max([k for k, own in tried if own], default=1), tried


# ---------------------------------------------------------------------------------------------
# assignment and the table


def theme_mentions(w: np.ndarray, uses_key_words: np.ndarray) -> np.ndarray:
    """Comments x themes: true where the theme carries at least :data:`MENTION_SHARE` of the
    comment's weight in ``w`` and the comment uses one of the theme's key words (``uses_key_words``).

    >>> w = np.array([[0.6, 0.4, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 0.0], [0.0, 0.01, 0.0]])
    >>> theme_mentions(w, np.array([[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 0, 1]], dtype=bool)).tolist()
    [[True, True, False], [True, False, False], [False, False, False], [False, False, False]]
    """
    total = w.sum(axis=1, keepdims=True)
    return (w >= MENTION_SHARE * total) & (total > 0) & uses_key_words


def _uses_key_words(x: sparse.csr_matrix, key_stems: list[np.ndarray]) -> np.ndarray:
    """Comments x themes: whether each comment uses at least one of each theme's key stems."""
    present = (x > 0).astype(np.int32).tocsc()
    return np.column_stack([np.asarray(present[:, idx].sum(axis=1)).ravel() > 0 for idx in key_stems])


def _main_theme(w: np.ndarray, mentions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each comment's main theme (the mentioned one with the largest weight; -1 = none) and that
    theme's share of the comment's weight."""
    masked = np.where(mentions, w, -1.0)
    best = np.argmax(masked, axis=1)
    has = mentions.any(axis=1)
    total = w.sum(axis=1)
    share = np.where(has, w[np.arange(len(w)), best] / np.where(total > 0, total, 1.0), np.nan)
    return np.where(has, best, -1), share


def _examples(texts: np.ndarray, rows: np.ndarray, weight: np.ndarray, n: int) -> list[str]:
    """Up to ``n`` distinct texts among ``rows``: the largest weight of the theme first (the
    comments that say most about it), ties in row order."""
    order = rows[np.lexsort((rows, -weight[rows]))]
    picked: list[str] = []
    for i in order:
        t = str(texts[i]).strip()
        if t not in picked:
            picked.append(t)
        if len(picked) == n:
            break
    return picked


def _empty_table() -> pd.DataFrame:
    """A themes table without rows, with the columns and dtypes of a full one."""
    dtypes = {"theme": "int64", "rank": "int64", "n_comments": "int64", "n_rated": "int64", "share_pct": "float64",
              "mean_rating": "float64"}
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "str")) for c in THEME_COLUMNS})


def tabulate_themes(themes: Themes, rows: np.ndarray | None = None) -> pd.DataFrame:
    """The themes of ``themes.comments`` (or of the rows where the boolean mask ``rows`` is true).

    One row per theme mentioned there, most comments first: ``theme`` (its number in ``themes``),
    ``rank`` (1 = most comments here), ``label`` (first three key words), ``key_words``
    (comma-separated), ``n_comments`` (comments mentioning it), ``share_pct`` (of the comments
    here; a comment may mention several themes), ``mean_rating`` and ``n_rated`` (of those comments'
    writers with a ``rating``), ``example_1..3`` (the distinct texts with the theme's largest
    weights; ``""`` when fewer).
    """
    frame = themes.comments
    mask = np.ones(len(frame), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    if mask.shape != (len(frame),):
        raise SurveyError(_(M.BAD_ROWS))
    if themes.k == 0 or not mask.any():
        return _empty_table()
    mentions = themes.mentions
    rating = frame["rating"].to_numpy(dtype=np.float64) if "rating" in frame.columns else np.full(len(frame), np.nan)
    texts = frame["text"].to_numpy()
    n_here = int(mask.sum())
    out = []
    for t in range(1, themes.k + 1):
        members = np.flatnonzero(mask & mentions[:, t - 1])
        if not len(members):
            continue
        r = rating[members]
        r = r[np.isfinite(r)]
        examples = _examples(texts, members, themes.weights[:, t - 1], TABLED_EXAMPLES)
        examples += [""] * (TABLED_EXAMPLES - len(examples))
        out.append({"theme": t, "rank": 0, "label": themes.labels[t - 1], "key_words": ", ".join(themes.key_words[t - 1]),
                    "n_comments": len(members), "share_pct": 100.0 * len(members) / n_here,
                    "mean_rating": float(r.mean()) if len(r) else np.nan, "n_rated": len(r),
                    "example_1": examples[0], "example_2": examples[1], "example_3": examples[2]})
    table = pd.DataFrame(out, columns=list(THEME_COLUMNS)).sort_values(["n_comments", "theme"], ascending=[False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reset_index(drop=True).astype({"theme": "int64", "rank": "int64", "n_comments": "int64", "n_rated": "int64"})


def _non_empty(comments: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows whose text is not empty (as text), and how many were empty."""
    text = comments["text"].astype("string")
    keep = (text.notna() & (text.str.strip().str.len() > 0)).to_numpy(dtype=bool)
    frame = comments.loc[keep].copy()
    frame["text"] = text[keep].astype(str).to_numpy()
    return frame.reset_index(drop=True), int((~keep).sum())


def _key_stems(h: np.ndarray, key_words: int) -> list[np.ndarray]:
    """Each theme's ``key_words`` heaviest stems (indexes), heaviest first, stems of weight 0 left out."""
    return [np.array([j for j in np.argsort(-row, kind="stable")[:key_words] if row[j] > 0], dtype=np.int64) for row in h]


def _ordered(w: np.ndarray, h: np.ndarray, key_words: int, x: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``W``, ``H`` and the mentions, with the themes from the most comments mentioning them to the
    fewest (then the largest total weight)."""
    mentions = theme_mentions(w, _uses_key_words(x, _key_stems(h, key_words)))
    k = w.shape[1]
    order = np.lexsort((np.arange(k), -w.sum(axis=0), -mentions.sum(axis=0)))
    return w[:, order], h[order], mentions[:, order]


def find_themes(comments: pd.DataFrame, *, language: str | None = None, settings: ThemeSettings = ThemeSettings(),
                detected: LanguageGuess | None = None) -> Themes:
    """The main themes of ``comments`` (see the module docstring for the method).

    Parameters
    ----------
    comments : DataFrame
        One row per comment: ``response_id`` and ``text`` (empty texts are left out and counted
        in the notes); other columns (``stage``, ``rating``, ``question``...) are kept. ``rating``,
        when present, gives each theme's ``mean_rating`` in :func:`tabulate_themes`.
    language : str, optional
        ``en``, ``id`` or ``es`` chosen by the manager; ``None`` detects it from the comments.
    settings : ThemeSettings
        Number of themes, key words, seed...
    detected : LanguageGuess, optional
        A language already settled (then ``language`` is not read).

    Returns
    -------
    Themes
    """
    _validate_comments(comments)
    settings = _validate_theme_settings(settings)
    frame, n_empty = _non_empty(comments)
    guess = detected if detected is not None else comment_language(frame["text"], language)
    notes = [M.empty_comments_dropped(n_empty)] if n_empty else []
    if guess.language is None:
        notes.append(_(M.LANGUAGE_NONE_THEMES))
    n = len(frame)

    def without_themes(note: str) -> Themes:
        rows = frame.assign(theme=pd.array([pd.NA] * n, dtype="Int64"), theme_share=np.full(n, np.nan))
        return Themes(rows, np.zeros((n, 0)), np.zeros((n, 0), dtype=bool), (), guess, 0, (), tuple([*notes, note]))

    if n < settings.min_comments:
        return without_themes(M.too_few_comments(n, settings.min_comments))
    terms = CommentTerms(guess.language)
    x, stems = _tfidf(frame["text"].tolist(), terms, max(settings.min_df, math.ceil(settings.min_df_share * n)))
    if x.shape[1] == 0:
        return without_themes(M.no_key_words(n))
    k, tried = _number_of_themes(x, settings)
    w, h, mentions = _ordered(*_nmf(x, k, settings.seed), settings.key_words, x)
    names = terms.display_names()
    key_words = tuple(tuple(names.get(stems[j], stems[j]) for j in idx) for idx in _key_stems(h, settings.key_words))
    main, share = _main_theme(w, mentions)
    rows = frame.assign(theme=pd.arrays.IntegerArray(np.where(main >= 0, main + 1, 0).astype(np.int64), main < 0),
                        theme_share=share)
    notes += _theme_notes(k, tried, settings, n, guess, int((main < 0).sum()))
    return Themes(rows, w, mentions, key_words, guess, k, tried, tuple(notes))


def _theme_notes(k: int, tried, settings: ThemeSettings, n: int, guess: LanguageGuess, n_unassigned: int) -> list[str]:
    """The sentences that explain the themes found."""
    if guess.language is None:
        notes = [M.themes_found(k, n, None)]
    else:
        notes = [M.themes_found(k, n, _(LANGUAGE_NAMES[guess.language]))]
    if tried:
        notes.append(_(M.THEMES_CHOSEN_APART).format(k=k, k_max=tried[-1][0]))
    elif settings.n_themes is not None:
        notes.append(_(M.THEMES_FIXED).format(k=k))
    if n_unassigned:
        notes.append(M.unassigned_comments(n_unassigned))
    return notes
