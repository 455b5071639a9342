"""The name vocabularies of the import (cycle_analytics.ingest.names), on hand-picked column names,
question texts and answers; the expected values are what the importer and the statistics decided
before the vocabularies were gathered in one module."""

from __future__ import annotations

import pytest

from cycle_analytics.ingest.names import (
    NO_LABELS,
    YES_LABELS,
    is_comment_name,
    is_date_name,
    is_derived_name,
    is_id_name,
    looks_like_outcome,
    mentions_recommend,
    name_words,
    outcome_rank,
)


@pytest.mark.parametrize("name, rank", [
    ("Overall satisfaction", 0), ("overall_rating", 0), ("OSAT", 0), ("CSAT", 0),
    ("Customer satisfaction", 1), ("sat", 1), ("Satisfied?", 1),
    ("Likely to recommend", 2), ("NPS", 2), ("N.P.S.", 2), ("NETPRO", 2), ("Weiterempfehlung", 2), ("LTR score", 2),
    ("Predicted overall", None), ("Most Likely q1", None), ("Room", None), ("Satisfaction with the room", None),
])
def test_outcome_rank(name, rank):
    assert outcome_rank(name) == rank


def test_respondent_column_names():
    assert name_words("RespondentID") == ["respondent", "id"]
    assert all(is_id_name(n) for n in ("Respondent ID", "case_id", "uuid", "Ticket", "Resp.ID"))
    assert not any(is_id_name(n) for n in ("Idea", "Wait"))
    assert all(is_date_name(n) for n in ("StartDate", "Timestamp", "Fecha", "Datum", "Marca temporal", "created"))
    assert not is_date_name("Wait")
    assert all(is_comment_name(n) for n in ("Comments", "Why?", "Other (please specify)", "Feedback text"))
    assert not is_comment_name("Room")
    assert all(is_derived_name(n) for n in ("Predicted q1", "Prob(q1==2)", "Most Likely q1", "residual"))
    assert not is_derived_name("Likely to recommend")


@pytest.mark.parametrize("text", [
    "Overall, how satisfied were you?", "How likely are you to recommend us?", "¿Recomendaría el banco?",
    "¿Qué tan probable es que recomiendes R a un colega?", "Recommanderiez-vous notre hôtel ?",
    "Würden Sie uns weiterempfehlen?", "Gesamtzufriedenheit", "En general, ¿qué tan satisfecho está?",
])
def test_outcome_questions_in_four_languages(text):
    assert looks_like_outcome(text)


def test_recommend_mentions():
    assert all(mentions_recommend(t) for t in ("recommend", "NPS (0-10)", "Net promoter", "ltr", "Empfehlung"))
    assert not any(mentions_recommend(t) for t in ("Snapshot", "Filtration", "Room"))


def test_yes_and_no_labels():
    assert {"yes", "ja", "oui", "si", "sí", "1", "true"} <= YES_LABELS
    assert {"no", "nein", "non", "0", "false"} <= NO_LABELS
    assert not YES_LABELS & NO_LABELS
