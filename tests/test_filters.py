"""filter_survey: date range, segment selections, empty results; the code-order convention survives.

Expected respondents are read off the fixture by hand (comments give the dates and branches).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.stats.filters import filter_mask, filter_survey
from cycle_analytics.ingest.importer import import_survey

TEXT = """respondent_id,date,branch,channel,stage,score
A,2024-01-05,North,web,Wait,4
A,2024-01-05,North,web,Pay,5
B,2024-01-31,South,web,Wait,2
B,2024-01-31,South,web,Pay,3
C,2024-02-01,North,branch,Wait,5
C,2024-02-01,North,branch,Pay,1
D,2024-03-10,East,branch,Wait,3
D,2024-03-10,East,branch,Pay,3
"""


@pytest.fixture(scope="module")
def survey():
    return import_survey(TEXT.encode(), file_name="f.csv")


def ids(s):
    return list(s.responses.response_id.astype(str))


def check_codes(s):
    assert list(s.ratings.response_id.cat.categories) == ids(s)
    assert s.info.respondents == len(s.responses) and s.info.ratings == len(s.ratings)


def test_date_range_inclusive_whole_end_day(survey):
    f = filter_survey(survey, date_range=("2024-01-01", "2024-01-31"))
    assert ids(f) == ["A", "B"] and f.info.ratings == 4
    check_codes(f)


def test_open_ended_ranges(survey):
    assert ids(filter_survey(survey, date_range=(None, "2024-02-01"))) == ["A", "B", "C"]
    assert ids(filter_survey(survey, date_range=(pd.Timestamp("2024-02-01"), None))) == ["C", "D"]


def test_segments_combined(survey):
    f = filter_survey(survey, segments={"branch": ["North", "East"], "channel": ["branch"]})
    assert ids(f) == ["C", "D"]
    check_codes(f)
    # the remaining ratings are exactly C's and D's, scores unchanged
    assert f.ratings.score.tolist() == [5.0, 1.0, 3.0, 3.0]
    assert f.ratings.response_id.cat.codes.tolist() == [0, 0, 1, 1]


def test_filter_selecting_nobody_gives_empty_survey(survey):
    f = filter_survey(survey, segments={"branch": ["Nowhere"]})
    assert f.info.respondents == 0 and f.info.ratings == 0
    assert len(f.ratings) == 0 and len(f.responses) == 0
    assert f.info.stages == survey.info.stages and f.scale == survey.scale
    assert list(f.ratings.stage.cat.categories) == list(survey.info.stages)


def test_no_filter_is_identity(survey):
    assert filter_survey(survey) is survey
    assert filter_mask(survey).all()


def test_mask_matches_a_pandas_reference(survey):
    r = survey.responses
    expected = ((r.date >= "2024-01-15") & (r.branch.astype(str) != "South")).to_numpy()
    got = filter_mask(survey, date_range=("2024-01-15", None), segments={"branch": ["North", "East"]})
    assert np.array_equal(got, expected)


def test_bad_filters_are_sentences(survey):
    with pytest.raises(SurveyError, match="no segment column 'region'"):
        filter_survey(survey, segments={"region": ["x"]})
    with pytest.raises(SurveyError, match="is not a date"):
        filter_survey(survey, date_range=("yesterday-ish", None))
    nodate = import_survey(b"id,a,b\n1,2,3\n2,3,4\n", file_name="n.csv")
    with pytest.raises(SurveyError, match="no date column"):
        filter_survey(nodate, date_range=("2024-01-01", None))
