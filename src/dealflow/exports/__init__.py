"""Writers that turn any report's rows into files: XLSX, CSV, JSON and JSON Lines."""
