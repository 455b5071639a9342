"""Survey weights in the stage-to-stage changes, the one-stage penalties, the direct comparison, the
halo diagnostic, Spearman importance and its priority bootstrap: each weighted figure against an independent reference
(statsmodels' DescrStatsW / CompareMeans, scipy on duplicated respondents, hand-computed fixtures),
and a weight of 1 for everyone gives exactly the unweighted figures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

from cycle_analytics.cycles import load_cycle
from cycle_analytics.dataset import PROXY_OUTCOME, ImportOptions
from cycle_analytics.errors import SurveyError
from cycle_analytics.ingest.importer import import_survey
from cycle_analytics.scales import Scale
from cycle_analytics.stats.analysis import AnalysisSettings, analyze
from cycle_analytics.stats.drivers.importance import BOOTSTRAP_UNITS
from cycle_analytics.stats.drivers.penalty import compare_groups, compare_weighted_groups
from cycle_analytics.stats.halo import halo_diagnostic, stage_correlations
from cycle_analytics.stats.priorities import priority_ranking_from_tables
from cycle_analytics.stats.scores import stage_changes_from_pairs
from cycle_analytics.stats.survey_tables import BY_OUTCOME, SurveyTables
from cycle_analytics.stats.tables import StagePairs, WeightedCounts

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "data" / "sample" / "bank_visit_long.csv"
SETTINGS = AnalysisSettings(n_boot=0)


def survey_csv(n: int, seed: int, *, weights: bool = True, skip: float = 0.1) -> bytes:
    """A wide survey: three stages (some not rated), an outcome driven by them and (optionally) a weight."""
    rng = np.random.default_rng(seed)
    rows = ["id,arrival,waiting,payment,overall_satisfaction" + (",weight" if weights else "")]
    for i in range(n):
        a, b, c = rng.integers(1, 6, size=3)
        o = int(np.clip(round(0.8 + 0.35 * a + 0.25 * b + 0.2 * c + rng.normal(0, 0.6)), 1, 5))
        cells = [str(v) if rng.uniform() > skip else "" for v in (a, b, c)]
        if not any(cells):
            cells[0] = str(a)
        rows.append(",".join([f"r{i}", *cells, str(o)] + ([f"{rng.uniform(0.3, 2.5):.3f}"] if weights else [])))
    return ("\n".join(rows) + "\n").encode()


def with_weight(survey, values, column: str = "w"):
    """The survey with a weight column ``column`` holding ``values`` (applied as the survey weight)."""
    return replace(survey, responses=survey.responses.assign(**{column: values}),
                   info=replace(survey.info, weight_column=column))


def wide(s):
    """Respondent x stage scores (NaN = not rated), the outcome and the weight, in respondent order."""
    x = s.ratings.pivot(index="response_id", columns="stage", values="score").reindex(s.responses["response_id"])
    return x[list(s.stages)].to_numpy(), s.responses["overall_satisfaction"].to_numpy(float), s.responses["weight"].to_numpy(float)


def kish_descr(y, w) -> DescrStatsW:
    """DescrStatsW with the weights scaled to sum to Kish's effective n (the weights module's convention)."""
    n_eff = w.sum() ** 2 / (w * w).sum()
    return DescrStatsW(y, weights=w * n_eff / w.sum())


@pytest.fixture(scope="module")
def weighted():
    s = import_survey(survey_csv(400, 11), file_name="w.csv")
    assert s.info.weight_column == "weight"
    return s, analyze(s, settings=SETTINGS)


# ----------------------------------------------------------------------------------- weight 1 = unweighted


@pytest.mark.parametrize("method", ["relative_weight", "spearman"])
def test_a_weight_of_one_gives_exactly_the_unweighted_changes_penalties_importance_and_halo(method):
    bank = import_survey(BANK, ImportOptions(cycle=load_cycle("bank_visit"), na_values=("N/A",)))
    small = import_survey(survey_csv(30, 5, weights=False), file_name="s.csv")  # under 50 pairs: the exact p-values
    settings = replace(SETTINGS, importance_method=method)
    for survey in (bank, small):
        plain = analyze(survey, settings=settings)
        ones = analyze(with_weight(survey, 1.0), settings=settings)
        assert ones.changes["n_eff"].tolist() == ones.changes["n_pairs"].astype(float).tolist()
        pd.testing.assert_frame_equal(ones.changes.drop(columns="n_eff"), plain.changes, check_exact=True)
        for name in ("importance", "penalties", "moments", "priorities"):
            pd.testing.assert_frame_equal(getattr(ones, name), getattr(plain, name), check_exact=True, obj=name)
        assert ones.halo == plain.halo


def test_a_weight_of_one_gives_exactly_the_unweighted_proxy_figures():
    s = import_survey(survey_csv(120, 8, weights=False), file_name="s.csv")
    plain = analyze(s, outcome=PROXY_OUTCOME, settings=SETTINGS)
    ones = analyze(with_weight(s, 1.0), outcome=PROXY_OUTCOME, settings=SETTINGS)
    for name in ("importance", "penalties", "moments", "priorities"):
        pd.testing.assert_frame_equal(getattr(ones, name), getattr(plain, name), check_exact=True, obj=name)


def test_equal_weights_other_than_one_keep_the_unweighted_changes_and_exact_p_values():
    s = import_survey(survey_csv(30, 5, weights=False), file_name="s.csv")
    plain, scaled = analyze(s, settings=SETTINGS), analyze(with_weight(s, 2.5), settings=SETTINGS)
    for c in ("mean_change", "statistic", "p_value", "effect_size"):
        assert scaled.changes[c].to_numpy() == pytest.approx(plain.changes[c].to_numpy(), rel=1e-12, nan_ok=True)
    for c in ("raw_penalty", "raw_penalty_ci_low", "raw_p_value", "clean_penalty", "clean_p_value"):
        assert scaled.penalties[c].to_numpy() == pytest.approx(plain.penalties[c].to_numpy(), rel=1e-9, nan_ok=True)
    assert scaled.halo.first_component_share == pytest.approx(plain.halo.first_component_share, rel=1e-12)


# ----------------------------------------------------------------------------------- stage-to-stage changes


def test_weighted_signed_rank_test_hand_computed():
    # Hand-computed fixture: differences +1 (weight 1), +2 (weight 1), -1 (weight 2); 3 non-zero
    # differences, weights scaled by 3/4 to 0.75, 0.75, 1.5. |d| = 1 holds 0.75 + 1.5 = 2.25 of scaled
    # weight: midrank 0 + (2.25 + 1) / 2 = 1.625; |d| = 2: midrank 2.25 + (0.75 + 1) / 2 = 3.125.
    # R+ = 0.75 * 1.625 + 0.75 * 3.125 = 3.5625, R- = 1.5 * 1.625 = 2.4375, T = R+ - R- = 1.125,
    # Var T = 0.75**2 * 1.625**2 + 0.75**2 * 3.125**2 + 1.5**2 * 1.625**2 = 12.919921875.
    counts, w = np.zeros((1, 5, 5), dtype=np.int64), np.zeros((1, 5, 5))
    for a, b, weight in ((0, 1, 1.0), (0, 2, 1.0), (3, 2, 2.0)):  # codes (from, to)
        counts[0, a, b] += 1
        w[0, a, b] += weight
    out = stage_changes_from_pairs(StagePairs(("X", "Y"), Scale(1, 5), counts, w, w * w)).iloc[0]
    assert out["n_pairs"] == 3 and out["n_eff"] == pytest.approx(16 / 6)
    assert out["mean_change"] == pytest.approx((1 + 2 - 2) / 4)
    assert out["statistic"] == pytest.approx(2.4375) and out["effect_size"] == pytest.approx(1.125 / 6.0)
    assert out["p_value"] == pytest.approx(2 * stats.norm.sf(1.125 / np.sqrt(12.919921875)), rel=1e-12)


def test_weighted_changes_means_equal_duplicated_respondents_and_equal_weights_equal_scipy(weighted):
    s, a = weighted
    x, _, w = wide(s)
    integer_w = np.random.default_rng(2).integers(1, 4, len(w)).astype(float)
    dup = analyze(with_weight(s, integer_w, "weight"), settings=SETTINGS).changes
    for p in range(len(s.stages) - 1):
        both = ~np.isnan(x[:, p]) & ~np.isnan(x[:, p + 1])
        d = x[both, p + 1] - x[both, p]
        row = a.changes.iloc[p]
        assert row["n_pairs"] == both.sum() and row["mean_change"] == pytest.approx(np.average(d, weights=w[both]))
        assert row["n_eff"] == pytest.approx(w[both].sum() ** 2 / (w[both] ** 2).sum())
        # duplicating respondents (integer weights) gives the weighted means
        assert dup.iloc[p]["mean_from"] == pytest.approx(np.repeat(x[both, p], integer_w[both].astype(int)).mean())
        assert dup.iloc[p]["mean_change"] == pytest.approx(np.repeat(d, integer_w[both].astype(int)).mean())
    # equal weights (over 50 pairs): scipy.stats.wilcoxon's tie-corrected normal approximation
    equal = analyze(with_weight(s, 0.7, "weight"), settings=SETTINGS).changes
    for p in range(len(s.stages) - 1):
        both = ~np.isnan(x[:, p]) & ~np.isnan(x[:, p + 1])
        ref = stats.wilcoxon(x[both, p + 1], x[both, p])
        assert equal.iloc[p]["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        assert equal.iloc[p]["statistic"] == pytest.approx(ref.statistic, rel=1e-12)


def test_weighted_signed_rank_variance_is_the_sign_flip_variance():
    # Reference: the exact sign-flip (permutation) distribution of T = sum w_i s_i r_i, enumerated;
    # its variance is sum w_i**2 r_i**2, so the z of the reported p equals T / sd(enumeration).
    rng = np.random.default_rng(4)
    n = 10
    frm, to = rng.integers(0, 5, n), rng.integers(0, 5, n)
    weight = rng.uniform(0.2, 3.0, n)
    counts, w, q = np.zeros((1, 5, 5), dtype=np.int64), np.zeros((1, 5, 5)), np.zeros((1, 5, 5))
    np.add.at(counts[0], (frm, to), 1)
    np.add.at(w[0], (frm, to), weight)
    np.add.at(q[0], (frm, to), weight**2)
    out = stage_changes_from_pairs(StagePairs(("X", "Y"), Scale(1, 5), counts, w, q)).iloc[0]
    d = to - frm
    keep = d != 0
    d, ws = d[keep], weight[keep] * keep.sum() / weight[keep].sum()
    ranks = np.array([ws[np.abs(d) < abs(v)].sum() + ws[np.abs(d) == abs(v)].sum() / 2 + 0.5 for v in d])
    signs = np.array(np.meshgrid(*[[-1, 1]] * len(d))).reshape(len(d), -1)
    flips = (ws * ranks) @ signs
    t_obs = float((ws * np.sign(d) * ranks).sum())
    assert out["effect_size"] == pytest.approx(t_obs / (ws * ranks).sum(), rel=1e-12)
    assert out["p_value"] == pytest.approx(2 * stats.norm.sf(abs(t_obs) / flips.std()), rel=1e-9)


# ----------------------------------------------------------------------------------- one-stage penalties


def test_weighted_one_stage_penalty_is_the_weighted_welch_contrast_of_statsmodels(weighted):
    s, a = weighted
    x, y, w = wide(s)
    bottom, top = np.asarray(s.scale.bottom_box, float), np.asarray(s.scale.top_box, float)
    pen = a.penalties.set_index("stage")
    for j, stage in enumerate(s.stages):
        rated = ~np.isnan(x[:, j])
        bad = rated & np.isin(x[:, j], bottom)
        rest = rated & ~bad
        cm = CompareMeans(kish_descr(y[rest], w[rest]), kish_descr(y[bad], w[bad]))
        row = pen.loc[stage]
        assert row["n_bad"] == bad.sum() and row["n"] == rated.sum()
        assert row["raw_penalty"] == pytest.approx(np.average(y[rest], weights=w[rest]) - np.average(y[bad], weights=w[bad]))
        lo, hi = cm.tconfint_diff(usevar="unequal")
        assert (row["raw_penalty_ci_low"], row["raw_penalty_ci_high"]) == pytest.approx((lo, hi), rel=1e-9)
        assert row["bad_pct"] == pytest.approx(100 * w[bad].sum() / w[rated].sum())
        good = rated & np.isin(x[:, j], top)
        assert row["raw_reward"] == pytest.approx(np.average(y[good], weights=w[good]) - np.average(y[rated & ~good], weights=w[rated & ~good]))


def test_weighted_mann_whitney_reads_duplicated_respondents_and_reduces_to_scipy():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    g_counts, rest_counts = np.array([3, 2, 1, 0, 1]), np.array([0, 1, 2, 3, 2])
    # integer weights: each cell's respondents counted twice, three times ... (duplicated respondents)
    g_w, rest_w = g_counts * np.array([2.0, 1, 3, 1, 2]), rest_counts * np.array([1.0, 2, 1, 3, 1])
    out = compare_weighted_groups(WeightedCounts(g_counts, g_w, g_w * g_w / np.maximum(g_counts, 1)),
                                  WeightedCounts(rest_counts, rest_w, rest_w * rest_w / np.maximum(rest_counts, 1)), values, 0.95)
    g_dup, rest_dup = np.repeat(values, g_w.astype(int)), np.repeat(values, rest_w.astype(int))
    u = stats.mannwhitneyu(g_dup, rest_dup).statistic
    assert float(out["rb"]) == pytest.approx(2 * u / (len(g_dup) * len(rest_dup)) - 1, rel=1e-12)
    assert float(out["mean_g"]) == pytest.approx(g_dup.mean()) and float(out["n1"]) == g_counts.sum()
    # equal weights: the unweighted test (scipy.stats.mannwhitneyu, asymptotic, continuity corrected)
    same = compare_weighted_groups(WeightedCounts(g_counts, 1.5 * g_counts, 2.25 * g_counts),
                                   WeightedCounts(rest_counts, 1.5 * rest_counts, 2.25 * rest_counts), values, 0.95)
    ref = stats.mannwhitneyu(np.repeat(values, g_counts), np.repeat(values, rest_counts), method="asymptotic")
    assert float(same["p"]) == pytest.approx(ref.pvalue, rel=1e-9)
    plain = compare_groups(g_counts, rest_counts, values, 0.95)
    assert float(same["ci_low"]) == pytest.approx(float(plain["ci_low"]), rel=1e-9)


def test_weighted_proxy_penalties_count_each_rating_with_its_respondents_weight():
    s = import_survey(survey_csv(200, 9), file_name="w.csv")
    x, _, w = wide(s)
    table = SurveyTables(s).score_counts(BY_OUTCOME, outcome=PROXY_OUTCOME).outcome_table()
    assert table.is_weighted
    a = analyze(s, outcome=PROXY_OUTCOME, settings=SETTINGS)
    j = s.stages.index("waiting")
    others = np.delete(x, j, axis=1)
    rated_others = (~np.isnan(others)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # the mean of the respondent's other stages
        proxy = np.where(rated_others > 0, np.nansum(others, axis=1) / rated_others, np.nan)
    rated = ~np.isnan(x[:, j]) & ~np.isnan(proxy)
    bad = rated & np.isin(x[:, j], np.asarray(s.scale.bottom_box, float))
    assert table.weights[j].sum() == pytest.approx(w[rated].sum()) and table.squares[j].sum() == pytest.approx((w[rated] ** 2).sum())
    row = a.penalties.set_index("stage").loc["waiting"]
    rest = rated & ~bad
    assert row["raw_penalty"] == pytest.approx(np.average(proxy[rest], weights=w[rest]) - np.average(proxy[bad], weights=w[bad]))


# ----------------------------------------------------------------------------------- the direct comparison


def test_weighted_direct_comparison_is_the_weighted_welch_test_of_statsmodels(weighted):
    s, a = weighted
    x, y, w = wide(s)
    bottom = np.isin(x, np.asarray(s.scale.bottom_box, float))  # NaN (not rated) is never in the bottom box
    pen = a.penalties.set_index("stage")
    for j, stage in enumerate(s.stages):
        clean = (bottom.sum(axis=1) - bottom[:, j]) == 0
        rated = ~np.isnan(x[:, j]) & clean
        bad, rest = rated & bottom[:, j], rated & ~bottom[:, j]
        cm = CompareMeans(kish_descr(y[rest], w[rest]), kish_descr(y[bad], w[bad]))
        row = pen.loc[stage]
        assert row["clean_n"] == rated.sum() and row["clean_n_bad"] == bad.sum()
        assert row["clean_penalty"] == pytest.approx(np.average(y[rest], weights=w[rest]) - np.average(y[bad], weights=w[bad]))
        assert row["clean_p_value"] == pytest.approx(cm.ttest_ind(usevar="unequal")[1], rel=1e-9)
        assert (row["clean_ci_low"], row["clean_ci_high"]) == pytest.approx(cm.tconfint_diff(usevar="unequal"), rel=1e-9)


# ----------------------------------------------------------------------------------- halo and Spearman


def test_weighted_halo_uses_the_weighted_correlations_of_statsmodels(weighted):
    s, a = weighted
    x, _, w = wide(s)
    k = len(s.stages)
    ref = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            ref[i, j] = ref[j, i] = DescrStatsW(x[both][:, [i, j]], weights=w[both]).corrcoef[0, 1]
    corr, n = stage_correlations(SurveyTables(s).score_patterns())
    assert corr == pytest.approx(ref, rel=1e-9)
    assert n[0, 1] == (~np.isnan(x[:, 0]) & ~np.isnan(x[:, 1])).sum()  # real counts
    assert a.halo.first_component_share == pytest.approx(np.linalg.eigvalsh(ref)[-1] / k, rel=1e-9)
    assert a.halo.mean_correlation == pytest.approx(ref[~np.eye(k, dtype=bool)].mean(), rel=1e-9)
    plain_patterns = halo_diagnostic(SurveyTables(s).score_patterns())  # the table without the outcome
    assert plain_patterns.first_component_share == pytest.approx(a.halo.first_component_share, rel=1e-12)


def weighted_midranks(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each value's weighted midrank: the weight below it plus half the weight equal to it, plus 1/2."""
    return np.array([w[v < t].sum() + w[v == t].sum() / 2 + 0.5 for t in v])


def test_weighted_spearman_importance_against_duplicated_respondents_and_descrstatsw(weighted):
    s, _ = weighted
    x, y, w = wide(s)
    a = analyze(s, settings=replace(SETTINGS, importance_method="spearman"))
    integer_w = np.random.default_rng(6).integers(1, 4, len(w))
    dup = analyze(with_weight(s, integer_w.astype(float), "weight"), settings=replace(SETTINGS, importance_method="spearman"))
    for j, stage in enumerate(s.stages):
        rated = ~np.isnan(x[:, j])
        row = a.importance.set_index("stage").loc[stage]
        rx, ry = weighted_midranks(x[rated, j], w[rated]), weighted_midranks(y[rated], w[rated])
        rho = DescrStatsW(np.column_stack([rx, ry]), weights=w[rated]).corrcoef[0, 1]
        n_eff = w[rated].sum() ** 2 / (w[rated] ** 2).sum()
        assert row["importance"] == pytest.approx(rho, rel=1e-9) and row["n"] == rated.sum()
        t = rho * np.sqrt((n_eff - 2) / (1 - rho * rho))
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), n_eff - 2), rel=1e-6)
        # integer weights: Spearman's rho of the duplicated respondents (scipy.stats.spearmanr)
        reps = integer_w[rated]
        ref = stats.spearmanr(np.repeat(x[rated, j], reps), np.repeat(y[rated], reps)).statistic
        assert dup.importance.set_index("stage").loc[stage, "importance"] == pytest.approx(ref, rel=1e-9)
    # the priorities read the same weighted Spearman importance
    prio = a.priorities.set_index("stage")["importance"]
    assert prio.loc[list(s.stages)].to_numpy() == pytest.approx(a.importance.set_index("stage").loc[list(s.stages), "importance"].to_numpy())


# ----------------------------------------------------------------------------------- Spearman priority bootstrap


def six_stage_csv(n: int, seed: int) -> bytes:
    """A wide survey of six stages (some not rated; a shared mood links them, so the proxy works)
    whose outcome leans on the first ones, no weight."""
    rng = np.random.default_rng(seed)
    names = ["arrival", "waiting", "advice", "payment", "paperwork", "leaving"]
    rows = ["id," + ",".join(names) + ",overall_satisfaction"]
    for i in range(n):
        x = np.clip(np.rint(rng.uniform(1.5, 4.5) + rng.normal(0, 1.0, size=6)), 1, 5).astype(int)
        o = int(np.clip(round(0.3 + x @ np.array([0.3, 0.25, 0.2, 0.1, 0.05, 0.02]) + rng.normal(0, 0.7)), 1, 5))
        cells = [str(v) if rng.uniform() > 0.1 else "" for v in x]
        rows.append(",".join([f"r{i}", *cells, str(o)]))
    return ("\n".join(rows) + "\n").encode()


SPEARMAN_BOOT = AnalysisSettings(importance_method="spearman", n_boot=60, seed=5)


@pytest.mark.parametrize("outcome", [None, PROXY_OUTCOME], ids=["outcome", "proxy"])
def test_a_weight_of_one_gives_exactly_the_unweighted_spearman_priority_bootstrap(outcome):
    s = import_survey(six_stage_csv(150, 4), file_name="s.csv")
    plain = analyze(s, outcome=outcome, settings=SPEARMAN_BOOT).priorities
    ones = analyze(with_weight(s, 1.0), outcome=outcome, settings=SPEARMAN_BOOT).priorities
    pd.testing.assert_frame_equal(ones, plain, check_exact=True)
    assert ((plain["stability_top3"] > 0) & (plain["stability_top3"] < 1)).any()  # the bootstrap is not trivial here
    # any equal weight keeps the unweighted (multinomial) resamples
    scaled = analyze(with_weight(s, 2.5), outcome=outcome, settings=SPEARMAN_BOOT).priorities
    assert scaled["stability_top3"].tolist() == plain["stability_top3"].tolist()


def brute_force_stability(patterns, proxy: bool, n_boot: int, seed: int, alpha: float = 0.05) -> np.ndarray:
    """stability_top3 by a plain loop over the respondent resamples, integer weights as duplicated respondents.

    The resamples follow the scheme of the importance module's docstring, rebuilt here with numpy:
    respondents listed in pattern-table order (each row's respondents together), shuffled by
    ``rng.permutation`` and dealt row-major into BOOTSTRAP_UNITS groups when there are more of them
    (else one respondent per unit), then as many units drawn by ``rng.integers``. Per resample and stage: scipy.stats.spearmanr of the
    duplicated respondents' (score, outcome) pairs, the t-test p-value on Kish's n_eff - 2 degrees
    of freedom, Holm's step-down correction written out, the weighted score_100, then the priority rule.
    """
    respondent_row = np.repeat(np.arange(len(patterns.counts)), patterns.counts)
    n = len(respondent_row)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    if n <= BOOTSTRAP_UNITS:
        members = order[None, :]
    else:  # unit u holds order[u], order[u + U], ... (-1 pads)
        size = -(-n // BOOTSTRAP_UNITS)
        members = np.concatenate([order, np.full(size * BOOTSTRAP_UNITS - n, -1)]).reshape(size, BOOTSTRAP_UNITS)
    picks = rng.integers(0, members.shape[1], size=(n_boot, members.shape[1]))
    lo, hi = patterns.scale.minimum, patterns.scale.maximum
    n_st = len(patterns.stages)
    hits = np.zeros(n_st)
    for b in range(n_boot):
        drawn = members[:, picks[b]].ravel()
        rows = respondent_row[drawn[drawn >= 0]]
        x, reps = patterns.scores[rows], patterns.weights[rows].astype(int)
        rho, p, perf = np.zeros(n_st), np.zeros(n_st), np.zeros(n_st)
        for j in range(n_st):
            rated = ~np.isnan(x[:, j])
            if proxy:  # the mean of the respondent's other stages
                others = np.delete(x, j, axis=1)
                with np.errstate(invalid="ignore"):
                    y = np.nansum(others, axis=1) / (~np.isnan(others)).sum(axis=1)
            else:
                y = patterns.outcome[rows]
            has = rated & np.isfinite(y)
            rho[j] = stats.spearmanr(np.repeat(x[has, j], reps[has]), np.repeat(y[has], reps[has])).statistic
            n_eff = reps[has].sum() ** 2 / (reps[has] ** 2).sum()
            t = rho[j] * np.sqrt((n_eff - 2) / (1 - rho[j] ** 2))
            p[j] = 2 * stats.t.sf(abs(t), n_eff - 2)
            perf[j] = (np.repeat(x[rated, j], reps[rated]).mean() - lo) / (hi - lo) * 100
        order_p = np.argsort(p)  # Holm (1979): the k-th smallest p times (m - k + 1), made monotone, capped at 1
        holm = np.empty(n_st)
        holm[order_p] = np.minimum(np.maximum.accumulate(p[order_p] * (n_st - np.arange(n_st))), 1.0)
        effective = np.where((rho > 0) & (holm < alpha), rho, 0.0)
        prio = effective / effective.max() * np.clip(100 - perf, 0, None) if effective.max() > 0 else np.zeros(n_st)
        top = np.argsort(-prio, kind="stable")[:3]
        hits[top[prio[top] > 0]] += 1
    return hits / n_boot


@pytest.mark.parametrize("outcome", [None, PROXY_OUTCOME], ids=["outcome", "proxy"])
def test_weighted_spearman_priority_bootstrap_resamples_respondents_with_their_weights(outcome):
    s = import_survey(six_stage_csv(90, 7), file_name="s.csv")
    integer_w = np.random.default_rng(3).integers(1, 4, len(s.responses)).astype(float)
    ws = with_weight(s, integer_w, "weight")
    out = analyze(ws, outcome=outcome, settings=SPEARMAN_BOOT).priorities.set_index("stage")
    tables = SurveyTables(ws)
    patterns = tables.score_patterns(tables.default_outcome() if outcome is None else None)  # None: no outcome (proxy)
    ref = brute_force_stability(patterns, outcome is not None, SPEARMAN_BOOT.n_boot, SPEARMAN_BOOT.seed)
    got = out.loc[list(s.stages), "stability_top3"].to_numpy()
    assert got.tolist() == pytest.approx(ref.tolist(), abs=1e-12)
    assert ((got > 0) & (got < 1)).any()  # the bootstrap is not trivial here
    plain = analyze(s, outcome=outcome, settings=SPEARMAN_BOOT).priorities.set_index("stage")
    assert not np.array_equal(got, plain.loc[list(s.stages), "stability_top3"].to_numpy())  # not the unweighted scheme


def test_weighted_spearman_priority_bootstrap_of_a_large_survey_resamples_groups_of_respondents():
    s = import_survey(six_stage_csv(BOOTSTRAP_UNITS + 700, 9), file_name="s.csv")
    integer_w = np.random.default_rng(4).integers(1, 4, len(s.responses)).astype(float)
    ws = with_weight(s, integer_w, "weight")
    settings = replace(SPEARMAN_BOOT, n_boot=12)
    out = analyze(ws, outcome=PROXY_OUTCOME, settings=settings).priorities.set_index("stage")
    ref = brute_force_stability(SurveyTables(ws).score_patterns(None), True, settings.n_boot, settings.seed)
    got = out.loc[list(s.stages), "stability_top3"].to_numpy()
    assert got.tolist() == pytest.approx(ref.tolist(), abs=1e-12)
    assert ((got > 0) & (got < 1)).any()  # the bootstrap is not trivial here


def test_weighted_spearman_priority_bootstrap_without_the_pattern_table_is_refused():
    s = import_survey(six_stage_csv(60, 2), file_name="s.csv")
    ws = with_weight(s, np.random.default_rng(1).uniform(0.5, 2.0, len(s.responses)), "weight")
    tables = SurveyTables(ws)
    patterns = tables.score_patterns(tables.default_outcome())
    table = patterns.outcome_table()
    with pytest.raises(SurveyError, match="needs the respondent pattern table"):
        priority_ranking_from_tables(table, None, method="spearman", n_boot=5)
    assert priority_ranking_from_tables(table, None, method="spearman", n_boot=0)["stability_top3"].isna().all()
    assert priority_ranking_from_tables(table, patterns, method="spearman", n_boot=5)["stability_top3"].notna().all()
