"""History across scans: a shared SQLite ledger of finished scans, their pages and findings,
and the job table the task queue (`monitor/`) leases work from."""

from ecq_scan.store.history import (
    SCHEMA_VERSION,
    Change,
    History,
    HistoryError,
    ScanRow,
    open_history,
)

__all__ = ["SCHEMA_VERSION", "Change", "History", "HistoryError", "ScanRow", "open_history"]
