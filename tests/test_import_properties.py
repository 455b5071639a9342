"""Property tests (hypothesis): for any mix of good and bad rows, rows_read == accepted + rejected and
exactly the unusable rows are rejected, with their 1-based data row numbers; a bad cell of a usable
row is an invalid answer (listed with its row), never a rejected row; answers read == ratings + no
answer + invalid; every customer with at least one valid rating is kept; every accepted answer on
the scale becomes exactly one rating.

The expected outcome of each generated row is computed independently by a plain-Python
simulation of the documented rules (module docstring of cycle_analytics.ingest.layouts).
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cycle_analytics.cycles import Cycle, Stage
from cycle_analytics.dataset import ImportOptions
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale



GOOD = st.sampled_from(["1", "2", "3", "4", "5", "N/A", ""])
BAD_TEXT = st.sampled_from(["abc", "x y", "<script>", "=1+1", "4 stars"])
BAD_NUMBER = st.sampled_from(["0", "6", "99", "2.5", "-1"])


def to_csv(rows, delimiter=","):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


wide_row = st.one_of(
    st.tuples(st.just("good"), st.lists(GOOD, min_size=3, max_size=3)),
    st.tuples(st.just("text"), st.lists(GOOD, min_size=3, max_size=3), st.integers(0, 2), BAD_TEXT),
    st.tuples(st.just("range"), st.lists(GOOD, min_size=3, max_size=3), st.integers(0, 2), BAD_NUMBER),
    st.tuples(st.just("noid"), st.lists(GOOD, min_size=3, max_size=3)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    # at least one row has an id, so the id column is a column of ids (a wholly empty column is no id column)
    st.lists(wide_row, min_size=1, max_size=30).filter(lambda rs: any(r[0] != "noid" for r in rs)),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_wide_accounting(specs, delimiter):
    rows = [["id", "s1", "s2", "s3", "note"]]
    bad, unusable, expected_ratings, expected_na = set(), set(), 0, 0
    for i, spec in enumerate(specs, start=1):
        kind, cells = spec[0], list(spec[1])
        rid = f"r{i}"
        if kind in ("text", "range"):
            cells[spec[2]] = spec[3]
        if kind == "noid":
            rid = ""
            unusable.add(i)  # no id where the file has ids: the row is unusable
        rows.append([rid, *cells, f"note {i}"])
        if kind != "good":
            bad.add(i)
        if kind != "noid":  # the good cells of a row with one bad cell still count
            expected_ratings += sum(c not in ("", "N/A") and c in ("1", "2", "3", "4", "5") for c in cells)
            expected_na += sum(c == "N/A" for c in cells)
    s = import_survey(
        to_csv(rows, delimiter),
        ImportOptions(stages=("s1", "s2", "s3"), scale=Scale(1, 5), na_values=("N/A",), infer_na_codes=False),
        file_name="p.csv",
    )
    i = s.info
    assert i.rows_read == len(specs)
    assert i.rows_read == i.rows_accepted + i.rows_rejected
    assert set(s.rejected.row.tolist()) == unusable
    assert set(s.invalid.row.tolist()) == bad - unusable  # one bad cell: that answer only
    assert i.ratings == expected_ratings and i.na_answers == expected_na
    assert i.respondents == len(specs) - len(unusable)
    assert i.answers_read == i.ratings + i.no_answers + i.invalid_answers == 3 * i.rows_accepted


STAGES = ("S1", "S2", "S3")
CYCLE = Cycle("P", stages=tuple(Stage(n) for n in STAGES))

long_row = st.tuples(
    st.sampled_from(["good", "good", "good", "noid", "text", "range", "noscore", "unknown"]),
    st.integers(0, 5),  # respondent
    st.integers(0, 2),  # stage
    st.sampled_from(["1", "2", "3", "4", "5", "N/A"]),
    BAD_TEXT,
    BAD_NUMBER,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(long_row, min_size=1, max_size=40).filter(lambda rs: any(r[0] == "good" for r in rs)))
def test_long_accounting(specs):
    rows = [["respondent_id", "segment", "stage", "score"]]
    bad, invalid, seen, expected_ratings = set(), set(), set(), 0
    for i, (kind, resp, stage, good_score, bad_text, bad_number) in enumerate(specs, start=1):
        rid, stage_name, score = f"p{resp}", STAGES[stage], good_score
        if kind == "noid":
            rid = ""
        elif kind == "text":
            score = bad_text
        elif kind == "range":
            score = bad_number
        elif kind == "noscore":
            score = ""
        elif kind == "unknown":
            stage_name = "Parking"
        rows.append([rid, "A" if resp % 2 else "B", stage_name, score])
        # simulation of the rules: a row without an id or with an unknown stage is unusable (rejected);
        # a second row for the same respondent and stage is rejected; a bad or missing score is an
        # answer of a usable row (invalid, or no answer); N/A is accepted without a rating
        if kind in ("noid", "unknown") or (rid, stage_name) in seen:
            bad.add(i)
            continue
        seen.add((rid, stage_name))
        if kind in ("text", "range"):
            invalid.add(i)
        expected_ratings += kind == "good" and score != "N/A"
    s = import_survey(
        to_csv(rows),
        ImportOptions(layout="long", cycle=CYCLE, scale=Scale(1, 5), na_values=("N/A",), infer_na_codes=False),
        file_name="l.csv",
    )
    i = s.info
    assert i.format == "long"
    assert i.rows_read == len(specs) == i.rows_accepted + i.rows_rejected
    assert set(s.rejected.row.tolist()) == bad
    assert set(s.invalid.row.tolist()) == invalid
    assert i.ratings == expected_ratings
    assert i.answers_read == i.rows_accepted == i.ratings + i.no_answers + i.invalid_answers
    assert i.respondents == len({r for r, _ in seen})
    assert list(s.ratings.response_id.cat.categories) == list(s.responses.response_id.astype(str))


# ---------------------------------------------------------------------------------------------
# the zero-option import of any generated wide file: answer accounting, and no customer lost

ANY_CELL = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5"]),  # ratings
    st.sampled_from(["", "NA", "N/A", "#N/A", "-", "Don't know", "Tidak tahu", "No sabe"]),  # no answer
    st.sampled_from(["x", "4 stars", "=1+1", "2.5", "0", "6", "99"]),  # invalid, or codes just outside the scale
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), st.lists(ANY_CELL, min_size=4, max_size=4)), min_size=1, max_size=40))
def test_zero_option_answer_accounting_and_customers_kept(specs):
    rows = [["id", "wait", "teller", "cash", "exit"]]
    for i, (has_id, cells) in enumerate(specs, start=1):
        rows.append([f"c{i}" if has_id else "", *cells])
    if not any(has_id for has_id, _ in specs):
        rows[1][0] = "c1"
    try:
        s = import_survey(to_csv(rows), file_name="any.csv")
    except Exception as exc:  # a file with no usable rating is refused with one sentence, nothing else
        assert type(exc).__name__ == "SurveyError" and "\n" not in str(exc)
        return
    i = s.info
    assert i.rows_read == i.rows_accepted + i.rows_rejected
    assert i.answers_read == i.ratings + i.no_answers + i.invalid_answers
    assert i.answers_read == i.rows_accepted * len(i.stages) and len(s.invalid) == i.invalid_answers
    # every customer (a row with an id) with at least one valid rating is kept
    kept = set(s.responses["response_id"].astype(str))
    for r in rows[1:]:
        if r[0] and any(c in ("1", "2", "3", "4", "5") for c, col in zip(r[1:], rows[0][1:]) if col in i.stages):
            assert r[0] in kept
