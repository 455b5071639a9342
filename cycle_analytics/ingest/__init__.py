"""Reading files and survey-tool exports into a tidy Survey."""
