"""What the chat commands and the operator CLI answer, written once for both.

The companion plugins (``!pair``, ``!allowlist``) and ``python -m errbot_zalouser pairing|allowlist``
call the same functions here, over the same ``ZalouserApi`` (the bot's service, or the one the
CLI builds on the same stores), so a shell user reads the sentences a chat admin reads. Answers
are Markdown, as errbot replies are: user-controlled text in them is escaped, and the CLI renders
them to plain text the way the backend does.

- ``text``: plain-text formatting helpers (Markdown escaping, tables, durations);
- ``pairing``: pending requests, approve, deny, revoke;
- ``allowlist``: the effective allowlists and their edits.
"""
