"""The security suite (issue 12, second hardening round) shares the fault suite's helpers:
the real bot under `errbot -c` on `zca-sim`, or the real ZalouserService in-process."""

from __future__ import annotations

from tests.faults.conftest import bot_factory, error_log, service_factory  # noqa: F401 - fixtures
