"""The app layer of the dashboard (streamlit only): session state, cached loaders, layout helpers."""
