"""The dashboard for hosting: ``app.py`` served with security headers (see ``docs/deployment.md``).

Run ``python -m streamlit run serve.py`` (Streamlit finds the ASGI app ``app`` below and serves it
with uvicorn; every ``--server.*`` option works as with ``app.py``), or ``uvicorn serve:app``. The
headers come from :mod:`app_support.security_headers`; ``streamlit run app.py`` (local use, tests)
runs the same app without them.
"""

import streamlit as st
from starlette.middleware import Middleware

from app_support.security_headers import SecurityHeaders

app = st.App("app.py", middleware=[Middleware(SecurityHeaders)])
