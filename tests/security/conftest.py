"""The security suite (issue 12, second hardening round) shares the fault suite's helpers: the
real bot under `errbot -c` on `zca-sim`, the real ZalouserService on `zca-sim`, and
``make_service`` (tests/faults/harness.py), the real service in this process."""

from __future__ import annotations

from tests.faults.conftest import bot_factory, error_log, make_service, service_factory  # noqa: F401 - fixtures
from tests.faults.harness import Harness

__all__ = ["Harness"]
