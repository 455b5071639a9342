"""Scale definitions (hand-computed from the definitions in cycle_analytics/scales.py)."""

import numpy as np
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.scales import Scale, infer_scale, parse_scale


@pytest.mark.parametrize(
    "scale, top, bottom",
    [
        (Scale(1, 5), (4, 5), (1, 2)),
        (Scale(1, 7), (6, 7), (1, 2)),
        (Scale(0, 10), (9, 10), (0, 1, 2, 3, 4, 5, 6)),
        (Scale(1, 10), (9, 10), (1, 2, 3, 4, 5, 6)),
        (Scale(1, 3), (3,), (1,)),
        (Scale(0, 1), (1,), (0,)),
    ],
)
def test_boxes(scale, top, bottom):
    assert scale.top_box == top and scale.bottom_box == bottom
    assert not set(scale.top_box) & set(scale.bottom_box)


def test_to_100_and_inference():
    assert Scale(1, 5).to_100(3.8) == pytest.approx(70.0)
    assert Scale(0, 10).to_100(np.array([0, 10])).tolist() == [0.0, 100.0]
    # ids and ages fit no rating scale; 99% coverage tolerates one stray value in a hundred
    assert infer_scale(np.arange(1, 200)) is None
    assert infer_scale(np.array([1, 2, 3, 4, 5] * 20 + [6])) == Scale(1, 5)
    # 6 is 1 of 51 answers (2%): 1-5 holds 98% < 99%; 1-6 holds all of them and 51 answers reach both its ends
    assert infer_scale(np.array([1, 2, 3, 4, 5] * 10 + [6])) == Scale(1, 6)
    # less common candidates need 30 answers reaching both ends: 2, 3, 4 stay on 1-5; 0-5 data is never 0-10
    assert infer_scale(np.array([2, 3, 4])) == Scale(1, 5)
    assert infer_scale(np.array([1, 2, 3, 4] * 10)) == Scale(1, 4)
    assert infer_scale(np.array([0, 1, 2, 3, 4, 5] * 10)) == Scale(0, 5)
    assert infer_scale(np.array([-2, -1, 0, 1, 2] * 10)) == Scale(-2, 2)
    assert infer_scale(np.arange(0, 101)) == Scale(0, 100)  # a slider reaching both ends
    assert infer_scale(np.arange(18, 90)) is None  # ages: within 0-100 but never near its ends


def test_parse_scale_sentences():
    assert parse_scale("0-10") == Scale(0, 10)
    assert parse_scale("-3..3") == Scale(-3, 3) and Scale(-3, 3).label() == "-3..3"
    assert parse_scale(Scale(-2, 2).label()) == Scale(-2, 2)
    with pytest.raises(SurveyError, match="MIN-MAX"):
        parse_scale("five")
    with pytest.raises(SurveyError, match="two points"):
        Scale(3, 3)
