"""Reading files and survey-tool exports into a tidy Survey.

:func:`cycle_analytics.ingest.importer.import_survey` is the one entry point. Behind it:

* :mod:`.reading`: bytes or a path -> a dictionary-encoded raw table (file kind, encoding,
  delimiter, Excel sheet); :mod:`.spss` reads SPSS (``.sav``, ``.zsav``) and Stata (``.dta``)
  files with their variable labels, value labels and declared missing values;
* :mod:`.formats`: recognising survey-tool exports (Qualtrics, SurveyMonkey, Google Forms,
  Microsoft Forms, Typeform) from their first rows;
* :mod:`.layouts`: raw table -> Survey for the long and wide layouts: the stage block, the scale
  and its N/A codes, the column roles, the row and answer accounting;
* :mod:`.labels`: choice text (``Very satisfied``) -> scores; :mod:`.mapping`: question -> stage;
* :mod:`.names`: the name vocabularies (id, date, comment, outcome, recommend, yes / no, missing-answer
  tokens, column roles, importance questions; English, Indonesian and Spanish where it matters).
"""
