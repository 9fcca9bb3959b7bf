# Loaded by errbot from BOT_EXTRA_BACKEND_DIR; exactly one ErrBot subclass may be visible here.
from errbot_zalouser.backend.backend import ZalouserBackend

__all__ = ["ZalouserBackend"]
