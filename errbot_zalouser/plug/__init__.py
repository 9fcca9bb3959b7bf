"""Holds zalouser.plug and its one-line shim; BOT_EXTRA_BACKEND_DIR points at this folder."""
