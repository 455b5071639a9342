"""Benchmark: comment themes of 100,000 comments (target: under 30 s on this 2-core machine).

The comments come from ``tests/comment_synth.comment_texts`` (five complaints and praise, two
phrases each, a filler sentence one time in three and one of 500 invented rare words, so about
70 % of the texts are distinct). Printed, each the best of ``--repeat`` in-process runs:

* **baseline**: ``TfidfVectorizer().fit_transform`` of the same texts with scikit-learn's own
  word splitting and no stop words or stems: the cheapest pass over the texts a theme method needs;
* **find_themes**: the whole method (language detection, stems, TF-IDF, the number of themes,
  NMF, which comments mention which theme) and its ratio to the baseline;
* **sentiment** (English only, VADER) and **theme effects** (outcome contrast of every theme on a
  random outcome), which the page adds to the themes;
* **page pipeline**: what Stage detail computes for a planted survey with about as many comments
  (``tests/comment_synth.planted_comment_survey``): ``survey_themes`` (themes and sentiment of all
  comments), then the whole-survey view and one stage's view (tables, effects, comments).

Run: ``python bench/bench_themes.py [--comments 100000] [--language en|id|es] [--repeat 2]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from comment_synth import comment_texts, planted_comment_survey  # noqa: E402 (tests/ is put on the path just above)
from measure import best_call  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from cycle_analytics.text.effects import theme_effects  # noqa: E402
from cycle_analytics.text.sentiment import comment_sentiment  # noqa: E402
from cycle_analytics.text.themes import find_themes  # noqa: E402
from cycle_analytics.text.views import survey_themes, theme_view  # noqa: E402

#: Share of the planted survey's respondents who write a comment (measured: 154,855 of 220,000).
COMMENT_RATE = 0.70

TARGET_S = 30.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--language", choices=("en", "id", "es"), default="en")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()

    t0 = time.perf_counter()
    texts = comment_texts(args.comments, args.language, seed=1)
    comments = pd.DataFrame({"response_id": [f"r{i}" for i in range(len(texts))], "text": texts})
    print(f"{len(texts):,} {args.language} comments ({len(set(texts)):,} distinct) built in {time.perf_counter() - t0:.1f} s")

    base, x = best_call(lambda: TfidfVectorizer().fit_transform(texts), args.repeat)
    print(f"{'baseline: TfidfVectorizer().fit_transform':<46s} {base:7.2f} s  ({x.shape[1]:,} words)")
    took, themes = best_call(lambda: find_themes(comments), args.repeat)
    print(f"{'find_themes':<46s} {took:7.2f} s  = {took / base:4.1f} x baseline  ({themes.k} themes, "
          f"{themes.language.language}; target {TARGET_S:.0f} s: {'met' if took < TARGET_S else 'MISSED'})")
    for number, words in enumerate(themes.key_words, start=1):
        print(f"    theme {number}: {int(themes.mentions[:, number - 1].sum()):>7,} comments  {', '.join(words)}")

    if args.language == "en":
        took_s, _ = best_call(lambda: comment_sentiment(texts, "en"), args.repeat)
        print(f"{'comment_sentiment (VADER, distinct texts once)':<46s} {took_s:7.2f} s  = {took_s / base:4.1f} x baseline")
    outcome = pd.Series(np.random.default_rng(0).integers(1, 6, len(texts)).astype(float), index=comments["response_id"])
    took_e, _ = best_call(lambda: theme_effects(comments["response_id"], themes.mentions, outcome), args.repeat)
    print(f"{'theme_effects':<46s} {took_e:7.2f} s  = {took_e / base:4.1f} x baseline")

    survey, truth = planted_comment_survey(args.language, n=int(args.comments / COMMENT_RATE), seed=1)

    def page() -> int:
        fitted = survey_themes(survey)
        theme_view(survey, None, fitted=fitted)
        theme_view(survey, truth.stage, fitted=fitted)
        return len(fitted.themes.comments)

    took_p, n_comments = best_call(page, args.repeat)
    print(f"{'page pipeline (survey_themes + 2 views)':<46s} {took_p:7.2f} s  = {took_p / base:4.1f} x baseline  "
          f"({n_comments:,} comments of {len(survey.responses):,} respondents)")


if __name__ == "__main__":
    main()
