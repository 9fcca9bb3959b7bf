"""Test-only Errbot plugin for tests/faults.

``callback_message`` appends one JSON line per message it is given to the file named by the
bot config's ``FAULTS_RECORD_FILE`` (with the kinds and URLs of its attachments and the id of the
message it quotes), ``callback_reaction`` one per reaction (``"reaction"``: its name): whatever
reaches a plugin is on record, so a test can prove that a message from an unknown sender never did. ``!faults_url <url> [caption]`` sends a URL
back through the backend's ``send_url`` (media or link), for the option-like text tests.
``!faults_mention <user id> <text>`` answers in the group with a mention of that user, through the
plugin interface's ``send_text(..., mentions=[user id])``.
"""

from __future__ import annotations

import json
import threading

from errbot import BotPlugin, botcmd

from errbot_zalouser.model import Target

_LOCK = threading.Lock()


class FaultRecorder(BotPlugin):
    """Records callback_message calls; sends URLs on request."""

    def callback_message(self, msg):
        extras = msg.extras or {}
        quote = extras.get("quote")
        self._record({
            "frm": getattr(msg.frm, "user_id", str(msg.frm)),
            "body": msg.body,
            "is_group": bool(msg.is_group),
            "thread": extras.get("thread_id", ""),
            "attachments": [[a.kind, a.url, a.path] for a in extras.get("attachments", ())],
            "quote": quote.msg_id if quote is not None else None,
        })

    def callback_reaction(self, reaction):
        self._record({"reaction": reaction.reaction_name, "action": reaction.action,
                      "frm": getattr(reaction.reactor, "user_id", str(reaction.reactor)),
                      "msg_id": (reaction.reacted_to or {}).get("msg_id")})

    def _record(self, row):
        path = getattr(self.bot_config, "FAULTS_RECORD_FILE", None)
        if not path:
            return
        with _LOCK, open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    @botcmd
    def faults_url(self, msg, args):
        """Send <url> [caption] back as media or a link: !faults_url <url> [caption]"""
        url, _, caption = str(args).partition(" ")
        target = msg.to if msg.is_group else msg.frm
        self._bot.send_url(target, url, caption)

    @botcmd
    def faults_mention(self, msg, args):
        """Answer in this group mentioning <user id>: !faults_mention <user id> <text>"""
        user_id, _, text = str(args).partition(" ")
        account = (msg.extras or {}).get("account")
        self._bot.zalouser.send_text(account, Target(msg.to.group_id, is_group=True), text, mentions=[user_id])
