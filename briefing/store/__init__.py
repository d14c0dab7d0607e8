"""The one local cache (SQLite, WAL, FTS5): the only writer of data; no SQL elsewhere."""

from briefing.store.database import (  # noqa: F401
    DataDirNotWritableError,
    OpenReport,
    SchemaTooNewError,
    StoreClosedError,
    StoreError,
)
from briefing.store.store import Store  # noqa: F401
