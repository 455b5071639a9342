"""Action plans (cycle_analytics.outputs.plans): dtypes, validation sentences, priority order, open stages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cycle_analytics.errors import SurveyError
from cycle_analytics.outputs.plans import PLAN_COLUMNS, empty_plans, open_plan_stages, plans_from_priorities, validate_plans

STAGES = ("Arrival", "Waiting", "Service", "Payment")


def plan(**cols) -> pd.DataFrame:
    base = {"stage": ["Waiting"], "requirement": [""], "action": ["Add a till"], "owner": ["Ann"],
            "due_date": ["2026-03-31"], "status": ["planned"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_empty_plans_has_the_documented_columns_and_dtypes():
    p = empty_plans(STAGES)
    assert tuple(p.columns) == PLAN_COLUMNS and len(p) == 0
    assert list(p["stage"].cat.categories) == list(STAGES) and p["stage"].cat.ordered
    assert p["due_date"].dtype == "datetime64[ns]"
    assert str(p["status"].dtype) == "str"


def test_plans_from_priorities_follows_rank_order():
    priorities = pd.DataFrame({"rank": [3, 1, 4, 2], "stage": pd.Categorical(STAGES, categories=STAGES, ordered=True)})
    p = plans_from_priorities(priorities)
    assert p["stage"].astype(str).tolist() == ["Waiting", "Payment", "Arrival", "Service"]
    assert list(p["stage"].cat.categories) == list(STAGES)  # cycle order kept for sorting
    assert set(p["status"]) == {"planned"} and p["due_date"].isna().all()
    assert (p[["requirement", "action", "owner"]] == "").all().all()
    assert open_plan_stages(p) == set()  # nothing said yet: no open plan
    pd.testing.assert_frame_equal(validate_plans(p), p)


def test_validate_plans_normalises():
    df = pd.concat(
        [
            plan(status=["In  Progress"], due_date=[dt.date(2026, 4, 1)], owner=[None]),
            plan(stage=["Service"], status=[""], due_date=[None], action=["  Train staff  "]),
            plan(stage=[None], requirement=[None], action=[None], owner=[None], due_date=[None], status=[None]),  # editor's blank row
            plan(stage=["Payment"], status=["completed"], due_date=[pd.Timestamp("2026-05-02 13:45")]),
        ],
        ignore_index=True,
    )
    out = validate_plans(df, STAGES)
    assert out["stage"].astype(str).tolist() == ["Waiting", "Service", "Payment"]
    assert out["status"].tolist() == ["in progress", "planned", "done"]
    assert out["owner"].tolist() == ["", "Ann", "Ann"]
    assert out["action"].tolist()[1] == "Train staff"
    assert out["due_date"].tolist()[0] == pd.Timestamp("2026-04-01")
    assert pd.isna(out["due_date"].iloc[1])
    assert out["due_date"].iloc[2] == pd.Timestamp("2026-05-02")  # a due date is a day
    assert out["due_date"].dtype == "datetime64[ns]"
    assert open_plan_stages(out) == {"Waiting", "Service"}  # Payment's plan is done


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"status": ["later"]}, "Row 1 of the action plans has the status 'later'; use planned, in progress or done."),
        ({"due_date": ["next week"]}, "Row 1 of the action plans has the due date 'next week', which is not a date; write it as YYYY-MM-DD."),
        ({"due_date": ["03/04/2026"]}, "Row 1 of the action plans has the due date '03/04/2026', which is not a date; write it as YYYY-MM-DD."),
        ({"due_date": ["2026-02-30"]}, "Row 1 of the action plans has the due date '2026-02-30', which is not a date; write it as YYYY-MM-DD."),
        ({"stage": ["Parking"]}, "Row 1 of the action plans names the stage 'Parking', which is not a stage of this survey."),
        ({"stage": [""]}, "Row 1 of the action plans has no stage; choose the stage the action improves."),
    ],
)
def test_validate_plans_sentences(change, sentence):
    with pytest.raises(SurveyError) as err:
        validate_plans(plan(**change), STAGES)
    assert str(err.value) == sentence


def test_validate_plans_names_the_row_and_refuses_bad_tables():
    df = pd.concat([plan(), plan(status=["??"])], ignore_index=True)
    with pytest.raises(SurveyError, match="^Row 2 "):
        validate_plans(df, STAGES)
    with pytest.raises(SurveyError, match="lack the column"):
        validate_plans(plan().drop(columns="owner"))
    with pytest.raises(SurveyError, match="unknown column"):
        validate_plans(plan().assign(budget=[1]))
    with pytest.raises(SurveyError, match="must be a table"):
        validate_plans([1, 2])


def test_open_plan_stages_without_stages_list():
    df = pd.concat([plan(), plan(stage=["Payment"], status=["done"]), plan(stage=["Arrival"], action=[""], requirement=["Signs"])],
                   ignore_index=True)
    out = validate_plans(df)
    assert str(out["stage"].dtype) == "str"
    assert open_plan_stages(out) == {"Waiting", "Arrival"}
    assert open_plan_stages(empty_plans()) == set()
