"""One query engine under every analysis: a survey held anywhere, reduced on its backend to small tables.

Every analysis of the package reduces to small count tables (stage x score x outcome / segment /
period, answer patterns per respondent, consecutive-stage pairs). Computing them is the only step
whose cost grows with the data; this package computes them with `Ibis <https://ibis-project.org>`_
expressions, so the same code runs on DuckDB (embedded, the default), PostgreSQL, Spark and the
SQL warehouses Ibis knows, and only the small tables come back to Python.

==================================== =========================================================
:func:`open_source`, :class:`Source` where the survey is: a frame, CSV / Parquet paths, a
                                     database URL and table, a Spark session
                                     (:mod:`~cycle_analytics.engine.sources`)
:func:`survey_source`                an imported :class:`~cycle_analytics.dataset.Survey` on
                                     DuckDB (Arrow, no copy)
:class:`LongLayout`,                 which column is what; how a cell becomes a score
:class:`WideLayout`,                 (:mod:`~cycle_analytics.engine.layout`)
:class:`ScoreRules`
:class:`Filters`                     date range and segment values, as WHERE clauses
                                     (:mod:`~cycle_analytics.engine.filters`)
:class:`SurveyEngine`                the two passes and the count queries
                                     (:mod:`~cycle_analytics.engine.engine`)
:class:`AnswerInventory`             every distinct cell with its class and count
:func:`roles_from_sample`            the column roles the importer finds in a table's first
                                     rows (:mod:`~cycle_analytics.engine.roles`; the command
                                     line's ``analyze --source``)
:class:`TextProgress`                progress of long queries as lines on stderr
                                     (:mod:`~cycle_analytics.engine.progress`)
:class:`ScoreCounts`,                the tables (defined in :mod:`cycle_analytics.stats.tables`,
:class:`ScorePatterns`,              the contract between the table builders and the
:class:`StagePairs`,                 statistics)
:class:`RespondentCounts`,
:class:`OutcomeCounts`
==================================== =========================================================

The engine is a :class:`~cycle_analytics.stats.tables.TableSource`:
``cycle_analytics.stats.analysis.analyze(engine)`` runs every analysis on it.

Example
-------
>>> import pandas as pd
>>> from cycle_analytics.engine import LongLayout, SurveyEngine, open_source
>>> answers = pd.DataFrame({"id": ["a", "a", "b"], "stage": ["Wait", "Pay", "Wait"], "score": [4, 5, 2]})
>>> engine = SurveyEngine(open_source(answers), LongLayout("id", "stage", "score", stages=["Wait", "Pay"]))
>>> engine.respondent_counts().ratings, int(engine.score_patterns().stage_pairs().counts[0].sum())
(3, 1)
"""

from cycle_analytics.engine.answers import AnswerInventory
from cycle_analytics.engine.engine import SurveyEngine
from cycle_analytics.engine.layout import LongLayout, ScoreRules, WideLayout
from cycle_analytics.engine.sources import Source, duckdb_backend, open_source, survey_source
from cycle_analytics.stats.filters import Filters
from cycle_analytics.stats.tables import OutcomeCounts, RespondentCounts, ScoreCounts, ScorePatterns, StagePairs

__all__ = [
    "AnswerInventory", "SurveyEngine", "Filters", "LongLayout", "WideLayout", "ScoreRules", "Source", "duckdb_backend",
    "open_source", "survey_source", "OutcomeCounts", "RespondentCounts", "ScoreCounts", "ScorePatterns", "StagePairs",
]
