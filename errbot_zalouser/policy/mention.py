"""Was the bot mentioned in a message? A pure function over the event and the bot's identity.

A mention is either the bot's user id among the event's mention ids (what the Zalo app sends
when someone picks the bot from the @ list), or ``@<bot's display name>`` typed in the text,
compared without regard to case. No I/O, no clock.
"""

from __future__ import annotations

from errbot_zalouser.model import InboundEvent


def is_mentioned(event: InboundEvent, self_id: str, self_name: str) -> bool:
    """True when ``event`` mentions the account whose id and display name are given."""
    if self_id and self_id in event.mention_ids:
        return True
    return bool(self_name) and f"@{self_name}".casefold() in event.content.casefold()
