"""Saved surveys: storage over SQLite (default) or PostgreSQL, and the byte format of a save.

* :mod:`~cycle_analytics.storage.store` - :func:`open_store` and the stores; the data folder
  (:data:`ENV_DATA_DIR`, :func:`data_dir`) and the database URL (:data:`ENV_URL`).
* :mod:`~cycle_analytics.storage.serialise` - Survey, DatasetInfo, options and cycles to bytes
  and JSON and back (:func:`survey_to_bytes`, :func:`survey_from_bytes`).
* :mod:`~cycle_analytics.storage.secrets` - ids, Argon2id password hashes and edit keys.
* :mod:`~cycle_analytics.storage.attempts` - the rate limit on wrong passwords.
* :mod:`~cycle_analytics.storage.errors` - the refusals (:class:`NotFound`, :class:`NotOwner` and its
  cases :class:`NeedsEditKey` and :class:`Unclaimed`, :class:`PasswordRequired`,
  :class:`WrongPassword`, :class:`TooManyAttempts`), all :class:`StorageError`.
"""

from cycle_analytics.storage.attempts import AttemptPolicy
from cycle_analytics.storage.errors import (NeedsEditKey, NotFound, NotOwner, PasswordRequired, StorageError, TooManyAttempts,
                                            Unclaimed, WrongPassword)
from cycle_analytics.storage.secrets import hash_password, new_edit_key, new_id, verify_password
from cycle_analytics.storage.serialise import FORMAT_VERSION, survey_from_bytes, survey_to_bytes
from cycle_analytics.storage.store import (
    DEFAULT_FILE,
    ENV_DATA_DIR,
    ENV_URL,
    TRASH_DAYS,
    AuditRecord,
    PostgresStore,
    SavedEntry,
    SavedStatus,
    SavedSurvey,
    SQLiteStore,
    Store,
    data_dir,
    default_sqlite_path,
    open_store,
)

__all__ = [
    "open_store", "Store", "SQLiteStore", "PostgresStore", "SavedSurvey", "SavedEntry", "SavedStatus", "AuditRecord",
    "StorageError", "NotFound", "NotOwner", "NeedsEditKey", "Unclaimed", "PasswordRequired", "WrongPassword",
    "TooManyAttempts", "AttemptPolicy", "TRASH_DAYS", "new_edit_key",
    "ENV_URL", "ENV_DATA_DIR", "DEFAULT_FILE", "data_dir", "default_sqlite_path",
    "survey_to_bytes", "survey_from_bytes", "FORMAT_VERSION", "new_id", "hash_password", "verify_password",
]
