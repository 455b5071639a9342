"""The app layer of the dashboard (streamlit only), between ``app.py`` / ``app_pages/`` and ``cycle_analytics``.

* :mod:`.state` - every session-state key, the session defaults and the URL round trip.
* :mod:`.sidebar` - the global sidebar and the :class:`~app_support.sidebar.View` the pages read.
* :mod:`.loaders` - cached loaders: files, import, stage mappings, filters, analysis, headline.
* :mod:`.sharing` - saved surveys, share links, login, action plans, report downloads.
* :mod:`.tables` - the small tables the pages show or edit, and what the edits mean.
* :mod:`.widgets` - layout helpers: chart + caption + CSV download, tables, guards, formats.
"""
