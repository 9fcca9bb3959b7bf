"""The Errbot backend: thin glue between errbot and ZalouserService.

Threads: each account's listener thread only enqueues; ``serve_once`` (errbot's main thread) is
the dispatcher that runs the gate and calls ``callback_message``; errbot's pool threads call
``send_message``, which renders and queues replies on the service's ordered send pool.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from cachetools import TTLCache
from errbot.backends.base import ONLINE, Message, Person, Room
from errbot.core import ErrBot

from errbot_zalouser import untrusted
from errbot_zalouser.backend.identifiers import ZaloOccupant, ZaloPerson, ZaloRoom, parse_identifier
from errbot_zalouser.backend.render import MarkdownRenderer
from errbot_zalouser.errors import ZalouserError, ZcaError
from errbot_zalouser.model import InboundEvent, Target, ZaloUser
from errbot_zalouser.service.service import ListenerChange, ZalouserService

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.5
_MAX_BUFFERED = 1000  # events that arrive before plugins are activated

#: Builds the service from errbot's config (tests pass one with a fake transport).
ServiceFactory = Callable[..., ZalouserService]


class ZalouserBackend(ErrBot):
    """Errbot backend for Zalo personal accounts through the `zca` command-line tool."""

    def __init__(self, config: Any, service_factory: ServiceFactory = ZalouserService.from_bot_config) -> None:
        super().__init__(config)
        self._renderer = MarkdownRenderer()
        self._inbox: queue.Queue[tuple[str, InboundEvent | ListenerChange]] = queue.Queue()
        self._stopping = threading.Event()
        self._connected = False
        self._shut_down = False
        self._drop_notes: TTLCache[tuple[str, str, str], bool] = TTLCache(maxsize=1000, ttl=3600)
        try:
            self.zalouser = service_factory(
                config, notify_admins=self._notify_admins, admin_ids=admin_ids(getattr(config, "BOT_ADMINS", ())),
            )
            self.zalouser.preflight()
        except ZalouserError as exc:
            log.critical("Zalouser backend cannot start: %s", exc)
            # errbot logs any other exception with a traceback; a start-up problem is one line.
            raise SystemExit(f"Zalouser backend cannot start: {exc}") from None
        me = self.zalouser.self_user()
        if me is None:  # preflight learns it for every enabled account
            raise SystemExit("Zalouser backend cannot start: the default account's own Zalo user is unknown")
        self.bot_identifier = ZaloPerson(me.user_id, me.name, self.zalouser.default_account)

    # --- errbot contract ----------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return "zalouser"

    def build_identifier(self, txtrep: str) -> ZaloPerson | ZaloRoom:
        return parse_identifier(txtrep, backend=self)

    def is_from_self(self, msg: Message) -> bool:
        return getattr(msg.frm, "user_id", None) in self.zalouser.self_ids()

    def change_presence(self, status: str = ONLINE, message: str = "") -> None:
        log.debug("presence is not supported on Zalo personal accounts (%s %s)", status, message)

    def build_reply(self, msg: Message, text: str | None = None, private: bool = False,
                    threaded: bool = False) -> Message:
        reply = self.build_message(text)
        reply.frm = self.bot_identifier
        account = self._account_of(msg)
        if msg.is_group and not private:
            reply.to = msg.to
        else:
            sender = msg.frm
            reply.to = ZaloPerson(sender.user_id, sender.fullname, account)
        reply.extras["account"] = account
        return reply

    def query_room(self, room: str) -> ZaloRoom:
        try:
            found = self.build_identifier(room)
        except ValueError:
            group = self.zalouser.find_group(room)
            return ZaloRoom(group.group_id, group.name, backend=self)
        if not isinstance(found, ZaloRoom):
            raise ValueError(f"{room!r} is not a group; use zalouser:group:<group id> or a group name")
        return found

    def rooms(self) -> list[ZaloRoom]:
        try:
            return [ZaloRoom(g.group_id, g.name, backend=self) for g in self.zalouser.list_groups()]
        except ZcaError as exc:
            log.warning("cannot list Zalo groups: %s", exc)
            return []

    def group_exists(self, group_id: str) -> bool:
        return self.zalouser.group_exists(group_id)

    def group_members(self, group_id: str) -> list[ZaloUser]:
        return self.zalouser.members_of(group_id)

    def send_stream_request(self, user: Any, fsource: Any, name: str | None = None, size: int | None = None,
                            stream_type: str | None = None) -> NoReturn:
        raise NotImplementedError(
            "Zalouser cannot upload file streams; send a public URL with self._bot.send_url(identifier, url)"
        )

    # --- outbound -----------------------------------------------------------------------------

    def split_and_send_message(self, msg: Message) -> None:
        # Chunking happens after Markdown rendering, in the service (fence- and newline-aware).
        self.send_message(msg)

    def send_message(self, msg: Message) -> None:
        super().send_message(msg)
        text = self._renderer.render(msg.body or "")
        if not text.strip():
            log.debug("not sending an empty reply to %s", msg.to)
            return
        self.zalouser.send_text(self._account_of(msg), _target(msg.to), text)

    def send_url(self, identifier: Person | Room, url: str, caption: str = "") -> None:
        """Send a URL as media chosen by its ending (msg image|video|voice), with an optional caption.
        For a plain link preview use ``self.zalouser.send_link(account, target, url)``."""
        self.zalouser.send_url(getattr(identifier, "account", None), _target(identifier), url, caption)

    def _account_of(self, msg: Message) -> str:
        return (msg.extras or {}).get("account") or getattr(msg.to, "account", None) \
            or getattr(msg.frm, "account", None) or self.zalouser.default_account

    def _notify_admins(self, text: str) -> None:
        """errbot's warn_admins also logs the text as it is: what reaches it is already one clean line
        (the service neutralises what came from Zalo), and a stray newline is flattened here."""
        try:
            self.warn_admins(" ".join(text.splitlines()))
        except Exception:  # a glob in BOT_ADMINS_NOTIFICATIONS must not break the gate
            log.exception("could not notify admins: %s", untrusted.for_log(text))

    # --- inbound ------------------------------------------------------------------------------

    def serve_once(self) -> bool:
        self._install_signal_handlers()
        try:
            self.zalouser.start(self._on_event, self._on_state)
            return self._dispatch_loop()
        except KeyboardInterrupt:
            return True
        finally:
            self._disconnect()

    def _on_event(self, account: str, event: InboundEvent) -> None:
        self._inbox.put((account, event))

    def _on_state(self, account: str, change: ListenerChange) -> None:
        self._inbox.put((account, change))

    def _dispatch_loop(self) -> bool:
        buffered: list[tuple[str, InboundEvent]] = []
        while not self._stopping.is_set():
            try:
                account, payload = self._inbox.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if isinstance(payload, ListenerChange):
                self._state_changed(account, payload, buffered)
            elif self._connected:
                self._dispatch(account, payload)
            elif len(buffered) < _MAX_BUFFERED:
                buffered.append((account, payload))
            else:
                log.warning("dropping an event from %s: plugins not active yet and buffer full", account)
        return True

    def _state_changed(self, account: str, change: ListenerChange, buffered: list[tuple[str, InboundEvent]]) -> None:
        log.info("zalouser %s listener: %s %s", account, change.state, untrusted.for_log(change.detail))
        if change.connected and not self._connected:
            self.reset_reconnection_count()
            self.connect_callback()
            self._connected = True
            for item in buffered:
                self._dispatch(*item)
            buffered.clear()

    def _dispatch(self, account: str, event: InboundEvent) -> None:
        try:
            admission = self.zalouser.admit(account, event)
        except Exception:  # fail closed: an error in the gate drops the message
            log.exception("zalouser %s: gate failed; message %s dropped", account, event.msg_id)
            return
        if not admission.dispatch:
            self._log_drop(account, event, admission.reason)
            return
        msg = self._to_message(account, event)
        self.callback_message(msg)
        if admission.mentioned:
            self.callback_mention(msg, [self.bot_identifier])

    def _log_drop(self, account: str, event: InboundEvent, reason: str) -> None:
        where = f"group {event.thread_id}" if event.is_group else "DM"
        log.debug("zalouser %s: dropped message %s from %s in %s: %s",
                  account, event.msg_id, event.sender_id, where, reason)
        key = (account, event.target.key, reason)
        if key not in self._drop_notes:
            self._drop_notes[key] = True
            log.info("zalouser %s: ignoring messages from %s in %s: %s (logged once an hour; "
                     "debug level shows each)", account, event.sender_id, where, reason)

    def _to_message(self, account: str, event: InboundEvent) -> Message:
        if event.is_group:
            room = ZaloRoom(event.thread_id, event.thread_name, account, backend=self)
            frm: ZaloPerson = ZaloOccupant(event.sender_id, room, event.sender_name, account)
            to: Person | Room = room
        else:
            frm = ZaloPerson(event.sender_id, event.sender_name, account)
            to = self._identity_on(account)
        extras = {
            "account": account,
            "msg_id": event.msg_id,
            "cli_msg_id": event.cli_msg_id,
            "timestamp": event.timestamp,
            "thread_id": event.thread_id,
            "zalouser_event": dict(event.raw),
        }
        if event.attachment is not None:
            extras["attachment_url"] = event.attachment.url
        return Message(body=event.content, frm=frm, to=to, extras=extras)

    def _identity_on(self, account: str) -> ZaloPerson:
        me = self.zalouser.self_user(account)
        return ZaloPerson(me.user_id, me.name, account) if me else self.bot_identifier

    # --- lifecycle ----------------------------------------------------------------------------

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)

    def _disconnect(self) -> None:
        if self._connected:
            self._connected = False
            self.disconnect_callback()

    def shutdown(self) -> None:
        if self._shut_down:
            return
        self._shut_down = True
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abort cleanup
        self._stopping.set()
        self.zalouser.stop()
        self._disconnect()
        super().shutdown()

    def stop_serving(self) -> None:
        """Ask the dispatcher loop to return (used by tests and embedding code)."""
        self._stopping.set()


def admin_ids(bot_admins: Any) -> frozenset[str]:
    """Zalo ids named exactly in BOT_ADMINS (globs are left to errbot's ACLs and admit nobody here)."""
    if isinstance(bot_admins, str):
        bot_admins = (bot_admins,)
    ids = set()
    for entry in bot_admins or ():
        try:
            found = parse_identifier(str(entry))
        except ValueError:
            log.info("BOT_ADMINS entry %r is not a Zalouser id; it does not pass the DM gate", entry)
            continue
        if isinstance(found, ZaloPerson):
            ids.add(found.user_id)
    return frozenset(ids)


def _target(identifier: Any) -> Target:
    if isinstance(identifier, ZaloRoom):
        return Target(identifier.group_id, is_group=True)
    if isinstance(identifier, ZaloPerson):
        return Target(identifier.user_id)
    found = parse_identifier(str(identifier))
    return _target(found)


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
