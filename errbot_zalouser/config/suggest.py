"""Did you mean...: the accepted value or key someone most likely meant when they wrote another."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection

# Translations and synonyms people write for an accepted value. Looked up after removing
# case, spaces and punctuation; difflib catches near-misses and typos on top of this.
_VALUE_ALIASES = {
    "appairage": "pairing", "appariement": "pairing", "jumelage": "pairing", "pair": "pairing",
    "paired": "pairing", "code": "pairing", "ghepdoi": "pairing", "ghépđôi": "pairing",
    "whitelist": "allowlist", "allow": "allowlist", "allowed": "allowlist", "list": "allowlist",
    "listeblanche": "allowlist", "allowfrom": "allowlist",
    "public": "open", "everyone": "open", "anyone": "open", "all": "open", "any": "open",
    "ouvert": "open",
    "off": "disabled", "none": "disabled", "closed": "disabled", "deny": "disabled",
    "block": "disabled", "blocked": "disabled", "desactive": "disabled",
    "désactivé": "disabled", "ferme": "disabled", "fermé": "disabled",
    "paragraph": "newline", "paragraphs": "newline", "lines": "newline", "line": "newline",
    "chars": "length", "characters": "length", "size": "length",
    "global": "channel", "shared": "channel", "peraccount": "account",
}


def suggest(value: object, choices: Collection[str]) -> str | None:
    """The accepted value someone most likely meant, or None."""
    if not isinstance(value, (str, bool)):
        return None
    text = (json.dumps(value) if isinstance(value, bool) else value).strip()
    folded = {str(c).casefold(): str(c) for c in choices}
    squashed = re.sub(r"[\s_\-.'\"]+", "", text.casefold())
    for candidate in (text.casefold(), squashed, _VALUE_ALIASES.get(squashed, "")):
        if candidate in folded:
            return folded[candidate]
    close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.6)
    if close:
        return folded[close[0]]
    extended = [c for c in folded if len(squashed) >= 3 and c.startswith(squashed)]  # "ttl" -> "ttlSeconds"
    return folded[extended[0]] if len(extended) == 1 else None


def did_you_mean(value: object, choices: Collection[str]) -> str:
    """``did you mean "<choice>"?``, or "" when nothing is close."""
    hint = suggest(value, choices)
    return f'did you mean "{hint}"?' if hint else ""
