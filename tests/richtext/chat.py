"""What the chat shows, read from zca-sim's sent log, as a StyledText (for comparisons)."""

from __future__ import annotations

from typing import Any

from errbot_zalouser.richtext.styled import INDENT, StyledText, StyleRange, utf16_offsets


def chat_styled(record: dict[str, Any]) -> StyledText:
    """A `send` record of the sent log as the chat shows it: its text and its styles (the log
    counts UTF-16 units, as Zalo does; the StyledText counts characters)."""
    text = str(record.get("text", ""))
    index = {unit: i for i, unit in enumerate(utf16_offsets(text))}
    styles = []
    for style in record.get("styles") or ():
        start, end = index[style["start"]], index[style["start"] + style["len"]]
        if end > start:
            size = style.get("indentSize") if style["st"] == INDENT else None
            styles.append(StyleRange(start, end - start, style["st"], size))
    return StyledText(text, tuple(styles))


def visible(text: str) -> str:
    """``text`` without the invisible word joiners that keep an ``@`` from being a mention."""
    return text.replace("\u2060", "")
