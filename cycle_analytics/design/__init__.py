"""Designing a survey before data exists: questionnaires, wording checks, exporters."""
