# Service Cycle Analytics: the Streamlit dashboard in a container (see docs/deployment.md).
#   docker build -t service-cycle-analytics .
#   docker run -p 8501:8501 -v sca-data:/data service-cycle-analytics
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CYCLE_ANALYTICS_DATA_DIR=/data \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    MALLOC_ARENA_MAX=2
# Limits (docs/deployment.md, "Limits"): the upload size is .streamlit/config.toml's maxUploadSize
# (override with -e STREAMLIT_SERVER_MAX_UPLOAD_SIZE=<MB>, honoured by the importer too); the others
# are CYCLE_ANALYTICS_* variables, e.g. -e CYCLE_ANALYTICS_PARSE_MEMORY_MB=1024.

WORKDIR /app

# Debian's chromium draws the charts as pictures (kaleido: PNG downloads, the deck, the PDF); DejaVu
# fonts set the PDF's text.
RUN apt-get update && apt-get install -y --no-install-recommends chromium fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (cached layer). Authlib + httpx: st.login, used when secrets have [auth].
COPY requirements.txt .
RUN pip install -r requirements.txt "Authlib>=1.3.2" "httpx>=0.24.1"

# A non-root user owns only the data folder; the code stays read-only for it.
RUN groupadd --system --gid 10001 sca \
    && useradd --system --uid 10001 --gid sca --home-dir /app --shell /usr/sbin/nologin sca \
    && mkdir -p /data && chown sca:sca /data
COPY --chown=root:root . .

USER sca
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).read().strip() == b'ok' else 1)"

# serve.py = app.py with security headers (CSP, frame options, nosniff).
CMD ["python", "-m", "streamlit", "run", "serve.py"]
