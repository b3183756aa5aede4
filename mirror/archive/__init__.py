"""The archive on disk: what it holds (store, scan), the ledger of what mirror wrote
(ledger), atomic writes (atomic), the index pages (index_pages) and rotation (rotate)."""
