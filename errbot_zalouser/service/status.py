"""One account's status for ``!zalouser status``: live `zca` checks, listener, queue, warnings."""

from __future__ import annotations

from errbot_zalouser.errors import ZcaError, ZcaNotFound
from errbot_zalouser.outbound.dispatcher import DispatcherStats
from errbot_zalouser.service.account import AccountRuntime
from errbot_zalouser.service.api import AccountStatus, ProbeResult
from errbot_zalouser.settings import DmPolicy
from errbot_zalouser.transport.listen_settings import ListenerState


def account_status(rt: AccountRuntime, queue: DispatcherStats, *, zca: str, probe: bool,
                   extra_warnings: tuple[str, ...] = (), first_contacts: tuple[int, bool] = (0, False),
                   ) -> AccountStatus:
    """``zca`` is the configured executable (named in a not-found warning); ``probe`` runs `me info`;
    ``extra_warnings`` come from the service as a whole (the data folder); ``first_contacts`` is
    (pairing replies in the last hour, whether replies are paused)."""
    version, logged_in, warnings = _live_checks(rt, zca)
    warnings.extend(extra_warnings)
    listener = rt.listener.stats if rt.listener else None
    return AccountStatus(
        account=rt.account_id,
        profile=rt.config.profile,
        enabled=rt.config.enabled,
        zca_version=version,
        logged_in=logged_in,
        listener_state=listener.state.name.lower() if listener else "stopped",
        restarts=listener.restarts if listener else 0,
        last_error=rt.activity.last_error or (listener.last_error if listener else "") or "",
        last_inbound_at=rt.activity.last_inbound_at,
        last_outbound_at=rt.activity.last_outbound_at,
        queue_depth=queue.queued,
        failed_sends=queue.failed,
        dm_policy=rt.config.dm_policy,
        group_policy=rt.config.group_policy,
        warnings=tuple(warnings),
        probe=_probe(rt) if probe and rt.config.enabled and logged_in else None,
        zca_kind=rt.client.capabilities.kind,
        capabilities=rt.client.capabilities.in_use(),
        first_contacts=first_contacts[0],
        first_contacts_cap=rt.config.pairing.first_contacts_per_hour,
        pairing_replies_paused=first_contacts[1],
        sending_paused_until=queue.paused_until,
        dropped_replies=queue.dropped,
        expired_replies=queue.expired,
    )


def _live_checks(rt: AccountRuntime, zca: str) -> tuple[str | None, bool | None, list[str]]:
    warnings: list[str] = []
    version: str | None = None
    logged_in: bool | None = None
    try:
        version = rt.client.version()
        logged_in = rt.client.is_authenticated()
    except ZcaNotFound:
        warnings.append(f"zca CLI not found ({zca}); install zca-cli or openzca, or set ZALOUSER_ZCA")
    except ZcaError as exc:
        warnings.append(f"zca check failed: {exc}")
    probed = rt.client.capabilities.version
    if version and probed and version != probed:
        warnings.append(f"zca is now {version} but was {probed} at start-up; restart the bot so that it "
                        "learns what the new version supports")
    listener = rt.listener.stats.state if rt.listener else None
    if listener is ListenerState.LOGGED_OUT or logged_in is False:
        warnings.append(f"logged out — {login_hint(rt)}")
    elif listener is ListenerState.WAITING:
        warnings.append("waiting: another zca listener owns the profile (its lock file); the bot retries by itself "
                        "and says why in the listener's last error")
    if rt.config.dm_policy == DmPolicy.OPEN:
        warnings.append('dmPolicy is "open", allowing any user to message the bot without pairing; '
                        'set dmPolicy to "pairing" or "allowlist" to restrict access')
    if "*" in rt.config.allow_from and rt.config.dm_policy in (DmPolicy.PAIRING, DmPolicy.ALLOWLIST):
        warnings.append(f'allowFrom contains "*": dmPolicy={rt.config.dm_policy} admits everyone')
    return version, logged_in, warnings


def login_hint(rt: AccountRuntime) -> str:
    """What to run when the account's profile has no session."""
    return f"run `python -m errbot_zalouser login --account {rt.account_id}`"


def _probe(rt: AccountRuntime) -> ProbeResult:
    try:
        return ProbeResult(ok=True, user=rt.client.me_info())
    except ZcaError as exc:
        return ProbeResult(ok=False, error=exc.stderr.strip() or str(exc))
