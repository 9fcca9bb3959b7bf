"""A command filter that re-checks the Zalouser access policy before every command.

The backend's gate already drops messages the policy rejects before any plugin sees them; this
filter is the second line of defence for commands that reach errbot another way (a message
built by another plugin, a future code path). It has no side effects: no pairing code is sent.
"""

from __future__ import annotations

from typing import Any

from errbot import BotPlugin, cmdfilter

from errbot_zalouser import ids
from errbot_zalouser.plugins.support import zalouser_api


class ZalouserGate(BotPlugin):
    """Blocks commands from senders the Zalouser policy does not admit."""

    @cmdfilter
    def zalouser_policy(self, msg: Any, cmd: str, args: Any, dry_run: bool) -> tuple[Any, Any, Any]:
        api = zalouser_api(self)
        sender = _zalo_user_id(msg.frm)
        if api is None or sender is None:  # another backend, or a message not from a Zalo user
            return msg, cmd, args
        room = getattr(msg.frm, "room", None)
        account = (msg.extras or {}).get("account")
        decision = api.check(account, sender, getattr(room, "group_id", None))
        if decision.dispatch:
            return msg, cmd, args
        self.log.info("blocked command %s from %s: %s", cmd, sender, decision.reason)
        return None, None, None


def _zalo_user_id(identifier: Any) -> str | None:
    """The Zalo user id behind an identifier's ACL attribute (``zalouser:<id>``), if it has one."""
    acl = str(getattr(identifier, "aclattr", "") or "")
    return ids.user_id(acl) if acl.startswith(ids.SCHEME) else None
