"""!zalouser status: per-account health of the zca tool, session, listener and outbound queue.

The first lines name the zca binary (its kind and version) and the features of it the bot uses,
as the start-up probe found them.

Shows the warnings the service reports (OpenClaw's: zca missing, not authenticated, dmPolicy open;
and its own). ``--probe`` also runs a live ``me info`` check per account.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from errbot import BotPlugin, botcmd

from errbot_zalouser.plugins.support import Call, ago, md_escape, one_line, zalouser_command
from errbot_zalouser.service.api import AccountStatus, ProbeResult


def account_warnings(status: AccountStatus) -> list[str]:
    """The service's warnings for an enabled account (zca missing, not authenticated, dmPolicy
    open, ...); OpenClaw skips disabled accounts, and so do we."""
    return list(dict.fromkeys(status.warnings)) if status.enabled else []


def _yes_no(value: bool | None, yes: str, no: str) -> str:
    return "unknown" if value is None else (yes if value else no)


def _probe_line(probe: ProbeResult | None) -> str | None:
    if probe is None:
        return None
    if probe.ok and probe.user is not None:
        return f"probe: ok, me info = {md_escape(probe.user.name)} ({probe.user.user_id})"
    if probe.ok:
        return "probe: ok"
    return f"probe: failed, {md_escape(one_line(probe.error or 'no details', 200))}"


def _safety_lines(status: AccountStatus, now: float) -> list[str]:
    """Account safety and what was dropped on purpose; quiet lines are left out."""
    lines = [f"first contacts in the last hour: {status.first_contacts}/{status.first_contacts_cap}"
             + (" (pairing replies paused)" if status.pairing_replies_paused else "")]
    if status.sending_paused_until and status.sending_paused_until > now:
        lines.append(f"sending paused by a Zalo rate limit for {int(status.sending_paused_until - now) + 1}s more")
    if status.dropped_replies or status.expired_replies:
        lines.append(f"replies dropped: {status.dropped_replies} (queue full), {status.expired_replies} "
                     "(waited too long)")
    if status.old_events or status.replayed_events:
        lines.append(f"inbound dropped: {status.old_events} too old, {status.replayed_events} seen before")
    return lines


def format_account(status: AccountStatus, now: float) -> str:
    """One block of lines for an account."""
    head = f"Account {md_escape(status.account)} (profile {md_escape(status.profile)})"
    if not status.enabled:
        return f"{head}: disabled"
    zca = f"zca {md_escape(status.zca_version)}" if status.zca_version else "zca: not available"
    if status.zca_version and status.zca_kind:
        zca = f"zca {md_escape(status.zca_kind)} {md_escape(status.zca_version)}"
    login = _yes_no(status.logged_in, "logged in", "not logged in")
    supports = ", ".join(md_escape(c) for c in status.capabilities) or "none of the newer options"
    lines = [
        f"{head}: {zca}, {login}",
        f"zca features in use: {supports}",
        f"listener: {md_escape(status.listener_state)}, restarts {status.restarts}, "
        f"last error: {md_escape(one_line(status.last_error, 200)) if status.last_error else 'none'}",
        f"last inbound: {ago(status.last_inbound_at, now)}, last outbound: {ago(status.last_outbound_at, now)}",
        f"queue depth: {status.queue_depth}, failed sends: {status.failed_sends}",
        f"dmPolicy={status.dm_policy}, groupPolicy={status.group_policy}",
    ]
    lines.extend(_safety_lines(status, now))
    probe = _probe_line(status.probe)
    if probe:
        lines.append(probe)
    return "\n".join(lines)


def format_status(statuses: Sequence[AccountStatus], now: float | None = None) -> str:
    """All account blocks, then a Warnings section (absent when there is nothing to say)."""
    if not statuses:
        return "No Zalo accounts are configured."
    now = time.time() if now is None else now
    blocks = [format_account(s, now) for s in statuses]
    warnings = [f"- {md_escape(s.account)}: {md_escape(w)}" for s in statuses for w in account_warnings(s)]
    if warnings:  # no blank lines: errbot's Markdown-to-text rendering would indent what follows
        blocks.append("Warnings:\n" + "\n".join(warnings))
    return "\n".join(blocks)


class ZalouserStatus(BotPlugin):
    """Zalo account, listener and outbound status (bot admins only)."""

    @botcmd(admin_only=True, syntax="[--probe] [--account A]")
    @zalouser_command("zalouser status [--probe] [--account A]", flags=["probe"])
    def zalouser_status(self, msg: Any, call: Call) -> str:
        """Per account: zca version, login, listener, errors, traffic, queue, policies, warnings.

        Usage: !zalouser status [--probe] [--account A]
        --probe also runs a live `me info` check (one zca call per account).
        """
        statuses: list[AccountStatus] = call.api.status(probe="probe" in call.flags)
        if call.account:
            statuses = [s for s in statuses if s.account == call.account]
        return format_status(statuses)
