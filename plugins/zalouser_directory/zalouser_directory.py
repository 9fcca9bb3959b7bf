"""!directory: look up the Zalo account's own profile, friends, groups and group members.

Lists come from the service's cache (no `zca` call while it is fresh; ``--refresh`` refetches).
Matching ignores case and Vietnamese diacritics: ``nguyen`` finds "Nguyễn", ``dao`` finds "Đào".
Output is a plain table with full ids, ready to paste into ``!allowlist`` or the configuration.
"""

from __future__ import annotations

from typing import Any

from errbot import BotPlugin, ValidationException, botcmd

from errbot_zalouser.model import ZaloGroup, ZaloUser
from errbot_zalouser.plugins.support import MAX_LIMIT, Call, md_escape, one_line, table, zalouser_command
from errbot_zalouser.service.api import SearchResult

DEFAULT_CONFIG = {"LIMIT": 20}
OPTIONS = "[--limit N] [--refresh] [--account A]"


def user_name(user: ZaloUser) -> str:
    """Display name, with the Zalo name in parentheses when it differs."""
    name = user.display_name or user.zalo_name or user.username
    if user.zalo_name and user.display_name and user.zalo_name != user.display_name:
        name = f"{name} ({user.zalo_name})"
    return name or "(no name)"


def user_table(users: tuple[ZaloUser, ...]) -> str:
    """ID, Name and (when any user has one) Phone columns."""
    if any(u.phone for u in users):
        return table([[u.user_id, user_name(u), u.phone] for u in users], ["ID", "Name", "Phone"])
    return table([[u.user_id, user_name(u)] for u in users], ["ID", "Name"])


def group_table(groups: tuple[ZaloGroup, ...]) -> str:
    """ID, Name and Members columns."""
    rows = [[g.group_id, g.name or "(no name)", "?" if g.total_member is None else str(g.total_member)] for g in groups]
    return table(rows, ["ID", "Name", "Members"])


def _title(kind: str, query: str, result: SearchResult[Any]) -> str:
    shown = f"{len(result.rows)} of {result.total}" if result.omitted else str(result.total)
    where = f' matching "{md_escape(query)}"' if query else ""
    return f"{kind}{where} ({shown})"


def _omitted(result: SearchResult[Any]) -> str:
    if not result.omitted:
        return ""
    return f"\n… {result.omitted} more not shown (narrow the query, or use --limit N)."


def format_self(user: ZaloUser) -> str:
    """``Self`` and a one-row table."""
    if not user.user_id:
        return "Not available."
    return f"Self\n{user_table((user,))}"


def format_peers(result: SearchResult[ZaloUser], query: str) -> str:
    """``Peers [matching "q"] (N)`` and a table, best matches first."""
    if not result.total:
        return f'No peers match "{md_escape(query)}".' if query else "No peers found."
    return f"{_title('Peers', query, result)}\n{user_table(result.rows)}{_omitted(result)}"


def format_groups(result: SearchResult[ZaloGroup], query: str) -> str:
    """``Groups [matching "q"] (N)`` and a table, best matches first."""
    if not result.total:
        return f'No groups match "{md_escape(query)}".' if query else "No groups found."
    return f"{_title('Groups', query, result)}\n{group_table(result.rows)}{_omitted(result)}"


def format_members(group: ZaloGroup, result: SearchResult[ZaloUser]) -> str:
    """``Members of <name> (<id>) (N)`` and a table."""
    label = f"{md_escape(one_line(group.name))} ({group.group_id})" if one_line(group.name) else group.group_id
    if not result.total:
        return f"No members found in {label}."
    shown = f"{len(result.rows)} of {result.total}" if result.omitted else str(result.total)
    return f"Members of {label} ({shown})\n{user_table(result.rows)}{_omitted(result)}"


class ZalouserDirectory(BotPlugin):
    """Search the Zalo account's friends, groups and group members (bot admins only)."""

    def get_configuration_template(self) -> dict[str, Any]:
        """LIMIT: rows shown when --limit is not given."""
        return dict(DEFAULT_CONFIG)

    def check_configuration(self, configuration: Any) -> None:
        """LIMIT must be a whole number from 1 to MAX_LIMIT."""
        limit = (configuration or {}).get("LIMIT", DEFAULT_CONFIG["LIMIT"])
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationException(f"LIMIT must be a whole number from 1 to {MAX_LIMIT}, not {limit!r}")

    def configure(self, configuration: Any) -> None:
        """Defaults merged with what the admin set."""
        merged = dict(DEFAULT_CONFIG)
        merged.update(configuration or {})
        super().configure(merged)

    def _limit(self, call: Call) -> int:
        if call.limit is not None:
            return call.limit
        return int((self.config or DEFAULT_CONFIG).get("LIMIT", DEFAULT_CONFIG["LIMIT"]))

    @botcmd(admin_only=True, syntax="[--refresh] [--account A]")
    @zalouser_command("directory self [--refresh] [--account A]", flags=["refresh"])
    def directory_self(self, msg: Any, call: Call) -> str:
        """Show the Zalo account's own id and name.

        Usage: !directory self [--refresh] [--account A]
        """
        user = call.api.directory_self(call.account, refresh="refresh" in call.flags)
        return format_self(user)

    @botcmd(admin_only=True, syntax=f"[query] {OPTIONS}")
    @zalouser_command(f"directory peers [query] {OPTIONS}", arity="optional", flags=["refresh"], limit=True)
    def directory_peers(self, msg: Any, call: Call) -> str:
        """Search friends by name, id or phone, ignoring case and accents (nguyen finds Nguyễn).

        Usage: !directory peers [query] [--limit N] [--refresh] [--account A]
        Without a query, all friends are listed. Best matches come first.
        """
        result = call.api.search_peers(
            call.text, account=call.account, limit=self._limit(call), refresh="refresh" in call.flags
        )
        return format_peers(result, call.text)

    @botcmd(admin_only=True, syntax=f"[query] {OPTIONS}")
    @zalouser_command(f"directory groups [query] {OPTIONS}", arity="optional", flags=["refresh"], limit=True)
    def directory_groups(self, msg: Any, call: Call) -> str:
        """Search the account's groups by name or id, ignoring case and accents.

        Usage: !directory groups [query] [--limit N] [--refresh] [--account A]
        """
        result = call.api.search_groups(
            call.text, account=call.account, limit=self._limit(call), refresh="refresh" in call.flags
        )
        return format_groups(result, call.text)

    @botcmd(admin_only=True, syntax=f"<group id or name> {OPTIONS}")
    @zalouser_command(f"directory members <group> {OPTIONS}", arity="text", flags=["refresh"], limit=True)
    def directory_members(self, msg: Any, call: Call) -> str:
        """List the members of a group, given by id, group:<id> or exact name.

        Usage: !directory members <group id or name> [--limit N] [--refresh] [--account A]
        """
        group, result = call.api.group_members(
            call.text, account=call.account, limit=self._limit(call), refresh="refresh" in call.flags
        )
        return format_members(group, result)
