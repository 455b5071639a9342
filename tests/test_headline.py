"""Headline figures, bad-experience comments and per-segment distributions (cycle_analytics.stats.headline).

Every expected number is hand-computed from the fixture ``H`` below (the comment next to each
figure shows the arithmetic); the per-segment distribution is checked against ``pd.crosstab``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.stats.analysis import outcome_spec
from cycle_analytics.dataset import PROXY_OUTCOME, ImportOptions, OutcomeSpec
from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.headline import Headline, bad_comments, headline_figures, recommend_column, stage_distribution_by
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale

# 8 respondents, stages wait + pay (16 ratings); overall has an off-scale 7 (row 3) and a blank (row 6);
# ok is a 0/1 column with a blank (row 7); happy is text in mixed case and spaces; recommend is 0-10.
H = b"""id,wait,pay,overall,ok,happy,recommend,region,comment
1,4,5,5,1,yes,10,N,fine
2,2,3,4,0, YES ,9,S,
3,5,5,7,1,No,9,N,great
4,1,2,2,1,,8,S,too slow
5,1,1,3,0,no,7,N,
6,4,4,,1,Yes,0,S,ok
7,5,5,5,,yes,5,N,
8,2,3,1,0,No,10,S,rude staff
"""


@pytest.fixture(scope="module")
def survey():
    return import_survey(H, ImportOptions(outcome="overall"), file_name="h.csv")


def test_counts_and_rating_outcome_drop_off_scale_values(survey):
    h = headline_figures(survey, OutcomeSpec("overall", kind="rating", scale=Scale(1, 5), label="overall"))
    assert isinstance(h, Headline)
    assert (h.responses, h.ratings) == (8, 16)
    # valid answers on 1-5: 5,4,2,3,5,1 (the 7 and the blank dropped) -> n 6, mean 20/6
    assert h.outcome_n == 6
    assert h.outcome_mean == pytest.approx(20 / 6)
    assert h.outcome_scale == Scale(1, 5)
    # top box of 1-5 is {4, 5}: 5,4,5 -> 3 of 6
    assert h.csat_pct == pytest.approx(50.0)


def test_binary_zero_one_outcome_gives_the_share_of_ones(survey):
    spec = outcome_spec(survey, "ok")  # numeric 0/1 column: binary, positive "1"
    assert spec.kind == "binary"
    h = headline_figures(survey, spec)
    # 1,0,1,1,0,1,(blank),0 -> 4 ones of 7 answers (was 0% when "1.0" was compared with "1")
    assert h.csat_pct == pytest.approx(400 / 7)
    assert h.outcome_mean is None and h.outcome_n == 7


def test_text_outcome_matches_without_case_or_spaces(survey):
    h = headline_figures(survey, OutcomeSpec("happy", kind="binary", positive=" YES"))
    # yes, YES, No, (blank), no, Yes, yes, No -> yes/YES/Yes/yes = 4 of 7
    assert h.csat_pct == pytest.approx(400 / 7)


def test_nps_from_a_zero_to_ten_recommend_question(survey):
    h = headline_figures(survey, PROXY_OUTCOME)
    # recommend 10,9,9,8,7,0,5,10: promoters (9-10) 4, detractors (0-6) 2, n 8 -> (4 - 2) / 8 = +25
    assert h.nps_column == "recommend" and h.nps_n == 8
    assert h.nps == pytest.approx(25.0)
    assert h.outcome_mean is None and h.csat_pct is None and h.outcome_label is None


def test_a_one_to_ten_recommend_question_gives_no_nps():
    rows = "\n".join(f"{i},{1 + i % 5},{1 + (i * 3) % 5},{1 + i % 10}" for i in range(20))
    s = import_survey(("id,wait,pay,recommend\n" + rows + "\n").encode(), file_name="r.csv")
    assert "recommend" in s.info.outcome_candidates
    assert recommend_column(s) is None
    assert headline_figures(s, None).nps is None
    # the same answers with one 0 make it a 0-10 question
    s0 = import_survey(("id,wait,pay,recommend\n" + rows + "\n99,3,3,0\n").encode(), file_name="r0.csv")
    assert recommend_column(s0) == "recommend"


def test_n_critical_is_passed_through(survey):
    assert headline_figures(survey, None, n_critical=2).n_critical == 2
    with pytest.raises(SurveyError, match="Survey"):
        headline_figures(pd.DataFrame(), None)


def test_bad_comments_are_the_bottom_box_raters_with_a_comment(survey):
    # bottom box of 1-5 is {1, 2}; wait: row 2 (2, no comment), 4 (1, "too slow"), 5 (1, none), 8 (2, "rude staff")
    got = bad_comments(survey, "wait")
    assert got.values.tolist() == [["4", 1.0, "too slow"], ["8", 2.0, "rude staff"]]
    assert list(bad_comments(survey, "no such stage").columns) == ["response_id", "score", "comment"]
    assert len(bad_comments(survey, "no such stage")) == 0


def test_stage_distribution_by_segment_matches_crosstab(survey):
    got = stage_distribution_by(survey, "pay", "region")
    ref = pd.crosstab(pd.Series(["N", "S", "N", "S", "N", "S", "N", "S"], name="region"),
                      pd.Series([5, 3, 5, 2, 1, 4, 5, 3], name="score"))  # the pay column by region, from H
    ref = ref.reindex(columns=[1, 2, 3, 4, 5], fill_value=0)
    for region in ("N", "S"):
        part = got[got["region"] == region]
        assert part["score"].tolist() == [1, 2, 3, 4, 5]
        assert part["count"].tolist() == ref.loc[region].tolist()
        assert part["n"].iloc[0] == ref.loc[region].sum() == 4
        assert np.allclose(part["pct"], ref.loc[region].to_numpy() / 4 * 100)
    with pytest.raises(SurveyError, match="segment column 'nope'"):
        stage_distribution_by(survey, "pay", "nope")
