"""Test-only entry script: the Cycle designer and Survey builder pages under one ``st.navigation``
(what ``app.py`` will hold once the pages are listed there). Used by tests/test_designer_pages.py."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

if __name__ == "__main__":  # run by Streamlit / AppTest, not when pytest imports it for doctests
    pg = st.navigation([
        st.Page(ROOT / "pages" / "cycle_designer.py", title="Cycle designer", default=True),
        st.Page(ROOT / "pages" / "survey_builder.py", title="Survey builder"),
    ])
    pg.run()
