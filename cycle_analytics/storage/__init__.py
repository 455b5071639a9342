"""Saved surveys: serialisation, ids and passwords, SQLite and PostgreSQL stores."""
