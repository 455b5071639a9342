"""Ambiguity checks (cycle_analytics.design.wording): a positive and a negative example for every rule.

The examples follow the usual questionnaire-design guidance (one thing per question, no negations,
neutral wording, concrete periods instead of vague quantifiers, customer language, an N/A answer
for steps not everyone goes through, short questions).
"""

from __future__ import annotations

import pytest

from cycle_analytics.cycles import list_templates, load_cycle
from cycle_analytics.errors import SurveyError
from cycle_analytics.design.wording import MAX_CHARS, MAX_WORDS, RULES, WordingWarning, check_question


def rules(text: str, **kw) -> list[str]:
    return [w.rule for w in check_question(text, **kw)]


# (rule, flagged example, expected excerpt (case-insensitive), clean example)
CASES = [
    ("double_barrelled", "How satisfied or dissatisfied were you with the fast and friendly service?", "fast and friendly",
     "How satisfied or dissatisfied were you with the speed of the service?"),
    ("double_barrelled", "Was the teller helpful or polite?", "helpful or polite",
     "How satisfied or dissatisfied were you with the time between ordering and delivery?"),
    ("negation", "The teller did not explain the fees clearly.", "not",
     "The teller explained the fees clearly."),
    ("negation", "I never had to wait too long at the counter.", "never",
     "How dissatisfied or satisfied were you with the waiting time?"),  # "dis-" is not a negation
    ("leading", "How satisfied or dissatisfied were you with our excellent service?", "excellent",
     "How satisfied or dissatisfied were you with our service?"),
    ("leading", "How much did you enjoy your stay?", "How much did you enjoy",
     "How would you rate your stay?"),
    ("leading", "The staff were wonderful, wouldn't you agree?", "wonderful",
     "How satisfied or dissatisfied were you with the staff?"),
    ("leading", "How satisfied were you with the check-in?", "How satisfied were",
     "How satisfied or dissatisfied were you with the check-in?"),
    ("vague_quantifier", "Do you often use the mobile app?", "often",
     "How many times did you use the mobile app in the last 30 days?"),
    ("vague_quantifier", "Have you recently contacted our support line?", "recently",
     "Have you contacted our support line in the last 7 days?"),
    ("vague_quantifier", "Do you call us a lot?", "a lot",
     "How satisfied or dissatisfied were you with the call?"),
    ("jargon", "How satisfied or dissatisfied were you with the IVR?", "IVR",
     "How satisfied or dissatisfied were you with the automated phone menu?"),
    ("jargon", "How satisfied or dissatisfied were you with the onboarding?", "onboarding",
     "How satisfied or dissatisfied were you with opening your account?"),
    ("jargon", "Was the KYC process clear?", "KYC", "Were the identity checks clear?"),
    ("jargon", "How satisfied or dissatisfied were you with our omnichannel touchpoints?", "omnichannel",
     "How satisfied or dissatisfied were you with the ATM?"),  # a known abbreviation
    ("too_long",
     "How satisfied or dissatisfied were you with the time it took our staff to answer all of the questions you asked "
     "when you visited the branch?", "How satisfied",
     "How satisfied or dissatisfied were you with the time our staff took to answer your questions?"),
]


@pytest.mark.parametrize("rule,bad,excerpt,good", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_positive_and_negative(rule, bad, excerpt, good):
    found = [w for w in check_question(bad) if w.rule == rule]
    assert found, f"{rule} not flagged in {bad!r}: {rules(bad)}"
    assert excerpt.casefold() in found[0].excerpt.casefold()
    assert found[0].message and found[0].message[0].isupper() and found[0].message.endswith(".")
    assert rule not in rules(good), f"{rule} wrongly flagged in {good!r}"


def test_missing_na_positive_and_negative():
    text = "How satisfied or dissatisfied were you with the breakfast?"
    w = check_question(text, stage="Breakfast", optional_stage=True, has_na_option=False)
    assert [x.rule for x in w] == ["missing_na"]
    assert "Breakfast" in w[0].message and "Not applicable" in w[0].message
    assert check_question(text, stage="Breakfast", optional_stage=True, has_na_option=None)[0].rule == "missing_na"
    assert rules(text, stage="Breakfast", optional_stage=True, has_na_option=True) == []
    assert rules(text, stage="Breakfast", optional_stage=False, has_na_option=False) == []


def test_too_long_limits_are_exact():
    twenty = " ".join(["word"] * MAX_WORDS) + "?"
    assert "too_long" not in rules(twenty)
    assert "too_long" in rules(" ".join(["word"] * (MAX_WORDS + 1)) + "?")
    # few words, many characters
    long_words = " ".join(["supercalifragilistic"] * 7) + "?"
    assert len(long_words) > MAX_CHARS and "too_long" in rules(long_words)


def test_balanced_pairs_and_fixed_phrases_are_not_double_barrelled():
    for text in ("How satisfied or dissatisfied were you with the room?",
                 "How likely or unlikely are you to come back?",
                 "Do you agree or disagree that the form was clear?",
                 "How likely are you to recommend us to a friend or colleague?",
                 "How clear were the terms and conditions?"):
        assert "double_barrelled" not in rules(text), text


def test_warning_shape_order_and_bad_input():
    w = check_question("Don't you agree that our IVR is often wonderful and fast?")
    assert all(isinstance(x, WordingWarning) for x in w)
    order = [RULES.index(x.rule) for x in w]
    assert order == sorted(order)
    assert {"double_barrelled", "negation", "leading", "vague_quantifier", "jargon"} <= {x.rule for x in w}
    with pytest.raises(SurveyError, match="no text"):
        check_question("   ", stage="Wait")
    with pytest.raises(SurveyError, match="must be text"):
        check_question(None)  # type: ignore[arg-type]


def test_bundled_template_questions_are_clean():
    for stem in list_templates():
        for st in load_cycle(stem).stages:
            assert check_question(st.question) == [], (stem, st.name, rules(st.question))
