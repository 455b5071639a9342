"""Service Cycle Analytics: the dashboard's entry point and router. Run ``streamlit run app.py``.

Every run: start the session (defaults, the view in the URL, sign-in, a ``?survey=`` link), route to
the page of the URL, draw the sidebar (which loads, filters and analyses the survey into a
:class:`app_support.sidebar.View`), then run the page, which reads that view. The page scripts are
in ``app_pages/``; the app layer (session-state keys, cached loaders, sidebar, widgets) in
``app_support/``.
"""

import streamlit as st

from app_support import sidebar, state
from cycle_analytics.i18n import gettext as _

st.set_page_config(layout="wide", page_title="Service Cycle Analytics", page_icon=":material/route:")
link = sidebar.start_session()

PAGES = {
    _("Analysis"): [
        st.Page("app_pages/overview.py", title=_("Overview"), icon=":material/route:", default=True),
        st.Page("app_pages/critical_moments.py", title=_("Critical moments"), icon=":material/priority_high:"),
        st.Page("app_pages/priorities.py", title=_("Priorities"), icon=":material/target:"),
        st.Page("app_pages/stage_detail.py", title=_("Stage detail"), icon=":material/zoom_in:"),
        st.Page("app_pages/segments.py", title=_("Segments"), icon=":material/groups:"),
        st.Page("app_pages/trends.py", title=_("Trends"), icon=":material/trending_up:"),
        st.Page("app_pages/data.py", title=_("Data"), icon=":material/table:"),
    ],
    _("Share"): [st.Page("app_pages/saved.py", title=_("Saved surveys"), icon=":material/bookmark:", url_path="saved")],
    _("Design"): [
        st.Page("app_pages/cycle_designer.py", title=_("Cycle designer"), icon=":material/account_tree:"),
        st.Page("app_pages/survey_builder.py", title=_("Survey builder"), icon=":material/edit_note:"),
    ],
}
# A link to a missing or locked saved survey shows only its gate: no navigation menu.
page = st.navigation(PAGES, position="hidden" if link.blocked else "sidebar")
state.set_view(sidebar.sidebar(link, page))
page.run()
