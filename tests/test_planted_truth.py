"""Planted-truth tests: the analysis must find what was planted in simulated surveys.

Two simulations. The first (below) has no halo in the stage ratings; the second
(:func:`simulate_halo`, further down) has one: every rating and the outcome share a respondent
factor, as real surveys do.

The simulated survey (built here, self-contained, fixed seeds) - a bank branch visit, six stages
on a 1-5 scale, 6,000 respondents who rate every stage, and an overall satisfaction 1-5:

* a latent "general mood" g ~ N(0, 1) per respondent drives the overall outcome
  (``overall = round(4.0 + 0.5 g + 0.6 e - 2.0 incident)``, clipped to 1-5, e ~ N(0, 1));
* four **ordinary** stages (Arrival, Waiting, Service, Departure): ``round(m + 0.05 g + 0.75 e_s)``
  with m about 4 - mostly good, a few per cent bad ratings, a weak link to the outcome through g
  (expected penalty under 0.1 points, well under the 0.4-point threshold);
* **Parking**, poorly rated and irrelevant: ``round(2.4 + 1.0 e)``, independent of g and of the
  outcome - about half its ratings are in the bottom box;
* **Payment**, well rated but occasionally ruinous: ``round(4.6 + 0.5 e)``, except for an
  *incident* (7% of respondents, independent of everything else) where the rating is 1 or 2 and
  the overall satisfaction drops by 2 points.

Expected (the truth that was planted): Payment is a critical moment (not a pain point), with
the basic-factor profile; Parking is a pain point, not critical, and a low priority (priority
score 0, level low, quadrant Low priority); the ordinary stages are "ok". The same holds for the
binary outcome "satisfied" (overall >= 4). The main seed is 20261122; the pattern is also checked
on four further seeds so the test does not rest on one lucky draw. Checked once over seeds 0-39:
all 40 came out right with the rating outcome and 38 of 40 with the binary one - the ordinary
stages do have a small true effect (through g), and the 10-percentage-point threshold on a 0/1
outcome is less strict than 0.4 points on 1-5, so a chance crossing is possible there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle_analytics.stats import critical, drivers, priorities
from cycle_analytics.dataset import OutcomeSpec
from cycle_analytics.scales import Scale

STAGES = ("Arrival", "Waiting", "Parking", "Service", "Payment", "Departure")
ORDINARY = ("Arrival", "Waiting", "Service", "Departure")
SCALE = Scale(1, 5)
OVERALL = OutcomeSpec("overall", kind="rating", scale=SCALE, label="Overall satisfaction")
SATISFIED = OutcomeSpec("satisfied", kind="binary", positive="Satisfied", label="Satisfied")


def simulate(seed: int, n: int = 6000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The survey described in the module docstring: (ratings, responses) in the tidy contract."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n)

    def ordinary(mean: float) -> np.ndarray:
        return np.clip(np.rint(mean + 0.05 * g + 0.75 * rng.standard_normal(n)), 1, 5)

    cols = {
        "Arrival": ordinary(4.0),
        "Waiting": ordinary(3.9),
        "Parking": np.clip(np.rint(2.4 + 1.0 * rng.standard_normal(n)), 1, 5),
        "Service": ordinary(4.0),
    }
    payment = np.clip(np.rint(4.6 + 0.5 * rng.standard_normal(n)), 1, 5)
    incident = rng.random(n) < 0.07
    payment[incident] = rng.choice([1.0, 2.0], int(incident.sum()))
    cols["Payment"] = payment
    cols["Departure"] = ordinary(4.1)
    overall = np.clip(np.rint(4.0 + 0.5 * g + 0.6 * rng.standard_normal(n) - 2.0 * incident), 1, 5)

    return survey_tables(np.column_stack([cols[s] for s in STAGES]), STAGES, overall)


def survey_tables(mat: np.ndarray, stages, overall: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ratings, responses) in the tidy contract from a respondent x stage score matrix (every
    stage rated) and the overall satisfaction; ``satisfied`` = overall >= 4."""
    n = len(overall)
    ids = pd.Index([f"r{i:05d}" for i in range(n)], dtype="str")
    ratings = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.repeat(np.arange(n), len(stages)), categories=ids),
            "stage": pd.Categorical.from_codes(np.tile(np.arange(len(stages)), n), categories=list(stages), ordered=True),
            "score": mat.ravel(),
        }
    )
    responses = pd.DataFrame(
        {
            "response_id": pd.Categorical.from_codes(np.arange(n), categories=ids),
            "overall": overall,
            "satisfied": np.where(overall >= 4, "Satisfied", "Not satisfied"),
        }
    )
    return ratings, responses


def run(seed: int, spec: OutcomeSpec, *, one_stage: bool = False):
    """The product's path: the multivariate penalty model, its verdicts, relative-weight priorities
    (``one_stage=True``: the raw one-stage penalties instead of the model)."""
    ratings, responses = simulate(seed)
    y = drivers.rating_outcomes(ratings, responses, spec)
    if one_stage:
        pen = drivers.penalty_reward(ratings, y, SCALE, spec)
    else:
        pen = drivers.multivariate_penalty_reward(ratings, y, SCALE, spec)
    moments = critical.classify_moments(pen, spec, declared=("Payment", "Parking"))
    prio = priorities.priority_ranking(ratings, y, SCALE, None, n_boot=200, seed=seed)
    return pen.set_index(pen["stage"].astype(str)), moments.set_index(moments["stage"].astype(str)), prio.set_index(prio["stage"].astype(str))


def check(pen, moments, prio):
    # the well-rated stage that occasionally ruins the outcome: a critical moment, not a pain point
    assert moments.loc["Payment", "verdict"] == "critical"
    assert moments.loc["Payment", "declared_verdict"] == "confirmed"
    assert pen.loc["Payment", "bad_pct"] < 20
    assert prio.loc["Payment", "performance"] > prio["performance"].mean()
    assert pen.loc["Payment", "factor"] == "basic"
    # the poorly rated stage without effect: a pain point, and a low priority
    assert moments.loc["Parking", "verdict"] == "pain point"
    assert moments.loc["Parking", "declared_verdict"] == "not confirmed"
    assert prio.loc["Parking", "performance"] == prio["performance"].min()
    assert prio.loc["Parking", "priority_score"] == 0
    assert prio.loc["Parking", "level"] == "low"
    assert prio.loc["Parking", "quadrant"] == "Low priority"
    assert prio.loc["Parking", "stability_top3"] < 0.5
    # ordinary stages
    for s in ORDINARY:
        assert moments.loc[s, "verdict"] == "ok", (s, moments.loc[s, "evidence"])


def test_planted_truth_overall_satisfaction():
    pen, moments, prio = run(20261122, OVERALL)
    check(pen, moments, prio)
    ev = moments.loc["Payment", "evidence"]
    # in the seeds' terms: the customers for whom every other moment went well
    assert ev.startswith("Among ") and " for whom every other moment went well, the " in ev
    assert " who had a bad experience at Payment gave an overall satisfaction " in ev
    assert ev.endswith("points lower (p < 0.001).")
    assert "pain point, not a critical moment" in moments.loc["Parking", "evidence"]
    assert "no effect" not in moments.loc["Parking", "evidence"]
    # the planted penalty (2 points on the latent scale, less after clipping) is recovered
    assert 1.5 < pen.loc["Payment", "penalty"] < 2.3
    assert pen.loc["Payment", "penalty_ci_low"] > 1.0
    assert prio.index[0] == "Payment"


def test_one_stage_penalties_find_the_same_truth_without_halo():
    # Without a halo the raw one-stage contrasts agree with the model (the old evidence wording).
    pen, moments, prio = run(20261122, OVERALL, one_stage=True)
    check(pen, moments, prio)
    ev = moments.loc["Payment", "evidence"]
    assert ev.startswith("Customers who rated Payment badly gave an overall satisfaction ")
    assert "points lower (p < 0.001, " in ev
    assert 1.5 < pen.loc["Payment", "penalty"] < 2.3
    assert pen.loc["Payment", "penalty_ci_low"] > 1.0


def test_planted_truth_binary_outcome():
    pen, moments, prio = run(20261122, SATISFIED)
    check(pen, moments, prio)
    assert "percentage points less often satisfied" in moments.loc["Payment", "evidence"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_planted_truth_holds_on_other_seeds(seed):
    check(*run(seed, OVERALL))


# ------------------------------------------------------------------------------------------------
# With a halo: every rating and the outcome share a respondent factor
# ------------------------------------------------------------------------------------------------

HALO_STAGES = ("Booking", "Check-in", "Security", "Parking", "Boarding", "Lounge", "Payment", "Arrival")
HALO_MEANS = {"Booking": 3.9, "Check-in": 3.8, "Security": 3.7, "Parking": 2.4, "Boarding": 3.9, "Lounge": 3.6,
              "Payment": 4.5, "Arrival": 4.0}


def simulate_halo(seed: int, n: int = 3000) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A survey with a halo (the scenario the one-stage penalty fails on).

    3,000 respondents, 8 stages on 1-5, a respondent factor ``h ~ N(0, 1)`` in every rating and in
    the outcome:

    * every stage: ``round(mean + 0.8 h + 0.8 e)``, clipped (the ratings' first principal component
      explains about half of their variance, as in the SFO airport survey);
    * **Payment** (mean 4.5, well rated) has a rare *incident* (8% of respondents, independent of
      h): rating forced to 1 and the outcome 1.8 points lower -> critical and basic;
    * **Parking** (mean 2.4, poorly rated) has no effect of its own -> a pain point, not critical;
    * **Lounge** has only a reward (a "wow" moment): a top-box (5) rating adds 0.3 points -> not
      critical;
    * the outcome: ``round(3.6 + 0.4 h + 0.6 e - 1.8 incident + 0.3 wow)``, clipped to 1-5;
      ``satisfied`` = outcome >= 4.

    Checked once over seeds 0-39 with both outcomes: 79 of 80 came out fully right; the exception
    (binary outcome, seed 25) had Parking's halo-leaked penalty at 10.2 percentage points, just
    over the 10-point threshold. The one-stage penalty calls almost every stage critical here.
    """
    rng = np.random.default_rng(seed)
    h = rng.standard_normal(n)
    x = np.column_stack([np.clip(np.rint(HALO_MEANS[s] + 0.8 * h + 0.8 * rng.standard_normal(n)), 1, 5) for s in HALO_STAGES])
    incident = rng.random(n) < 0.08
    x[incident, HALO_STAGES.index("Payment")] = 1
    wow = x[:, HALO_STAGES.index("Lounge")] == 5
    overall = np.clip(np.rint(3.6 + 0.4 * h + 0.6 * rng.standard_normal(n) - 1.8 * incident + 0.3 * wow), 1, 5)
    return survey_tables(x, HALO_STAGES, overall)


@pytest.mark.parametrize("spec", [OVERALL, SATISFIED], ids=["rating", "binary"])
@pytest.mark.parametrize("seed", range(20))
def test_planted_truth_with_halo(seed, spec):
    ratings, responses = simulate_halo(seed)
    y = drivers.rating_outcomes(ratings, responses, spec)
    patterns = drivers.respondent_patterns(ratings, y, SCALE)
    pen = drivers.multivariate_penalty_reward(ratings, y, SCALE, spec, patterns=patterns)
    moments = critical.classify_moments(pen, spec).set_index("stage")
    factor = pen.set_index("stage")["factor"]
    prio = priorities.priority_ranking(ratings, y, SCALE, None, n_boot=0, patterns=patterns)
    verdicts = moments["verdict"].to_dict()
    assert verdicts["Payment"] == "critical" and factor["Payment"] == "basic", verdicts
    assert verdicts["Parking"] == "pain point", moments.loc["Parking", "evidence"]
    assert verdicts["Lounge"] != "critical"
    assert [s for s, v in verdicts.items() if v == "critical"] == ["Payment"]
    assert prio["stage"].iloc[0] == "Payment" and prio["rank"].iloc[0] == 1
    # the halo is there, and the raw one-stage comparison is fooled by it
    raw = critical.classify_moments(drivers.penalty_reward(ratings, y, SCALE, spec), spec)
    assert (raw["verdict"] == "critical").sum() >= 5
    assert (moments["raw_penalty"] > moments["penalty"]).sum() >= 7
