"""The Errbot backend: thin glue between errbot and ZalouserService.

Threads: each account's listener thread only enqueues; ``serve_once`` (errbot's main thread) is
the dispatcher that runs the gate and calls ``callback_message`` (``callback_mention`` and
``callback_reaction`` too); errbot's pool threads call ``send_message``, which hands the reply's
Markdown to the service: it is rendered there, per account, for what that account's `zca` can
show (see service/outbox.py). What a plugin receives is in ``inbound.py``; files a plugin sends
with ``send_stream_request`` go through ``streams.py``.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from errbot.backends.base import ONLINE, Message, Person, Room
from errbot.core import ErrBot

from errbot_zalouser import untrusted
from errbot_zalouser.backend.defaults import complete_config
from errbot_zalouser.backend.identifiers import (
    ZaloPerson,
    ZaloRoom,
    ZaloRoomError,
    ZaloRoomNotFound,
    first_line,
    parse_identifier,
)
from errbot_zalouser.backend.inbound import mentioned_people, to_message, to_reaction
from errbot_zalouser.backend.streams import StreamSender, ZaloStream
from errbot_zalouser.errors import NotFound, PolicyError, ZalouserError, ZcaError
from errbot_zalouser.model import Inbound, InboundEvent, InboundReaction, Target, ZaloUser
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
        self._inbox: queue.Queue[tuple[str, Inbound | ListenerChange]] = queue.Queue()
        self._stopping = threading.Event()
        self._connected = False
        self._shut_down = False
        self._drop_notes: TTLCache[tuple[str, str, str], bool] = TTLCache(maxsize=1000, ttl=3600)
        service: ZalouserService | None = None
        try:
            for warning in complete_config(config):
                log.warning("zalouser config: %s", warning)
            service = service_factory(config, notify_admins=self._notify_admins)
            service.preflight()
        except ZalouserError as exc:
            if service is not None:
                service.stop()  # gives back the instance locks
            log.critical("Zalouser backend cannot start: %s", exc)
            # errbot logs any other exception with a traceback; a start-up problem is one line.
            raise SystemExit(f"Zalouser backend cannot start: {exc}") from None
        self.zalouser = service
        self._streams = StreamSender(service)
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
        """A reply to ``msg``: in its group (or to the sender's DM when ``private``). ``threaded``
        quotes ``msg`` when the reply goes to the thread ``msg`` came from (Zalo's quote reply,
        where the zca binary has ``--reply-message``; a plain reply elsewhere)."""
        reply = self.build_message(text)
        reply.frm = self.bot_identifier
        account = self._account_of(msg)
        if msg.is_group and not private:
            reply.to = msg.to
        else:
            sender = msg.frm
            reply.to = ZaloPerson(sender.user_id, sender.fullname, account)
        reply.extras["account"] = account
        extras = msg.extras or {}
        if threaded and extras.get("msg_id") and _target(reply.to).thread_id == extras.get("thread_id"):
            reply.extras["reply_to"] = extras["msg_id"]
        return reply

    def query_room(self, room: str) -> ZaloRoom:
        """A group by ``zalouser:group:<id>`` or exact name. Refusals are ZaloRoomError (a RoomError,
        and a CommandError so `!room ...` answers one sentence)."""
        try:
            found = self.build_identifier(room)
        except ValueError:
            return self._room_named(room)
        if not isinstance(found, ZaloRoom):
            raise ZaloRoomError(f"{room} is a person, not a group; use zalouser:group:<group id> or a group name.")
        return found

    def _room_named(self, name: str) -> ZaloRoom:
        try:
            group = self.zalouser.find_group(name)
        except NotFound:
            raise ZaloRoomNotFound(f'This Zalo account has no group named "{name}" (the bot can neither create '
                                   "nor join groups: do that in the Zalo app); name a group by "
                                   "zalouser:group:<group id> (!directory groups lists them).") from None
        except PolicyError as exc:  # an ambiguous name: the candidates are in the message
            raise ZaloRoomError(str(exc)) from exc
        except ZcaError as exc:
            raise ZaloRoomError(f"Cannot look up the group: {first_line(exc)}") from exc
        return ZaloRoom(group.group_id, group.name, backend=self)

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
                            stream_type: str | None = None) -> ZaloStream:
        """Send a binary file object to a person or group as a photo (JPEG, PNG, WebP), video (MP4),
        voice message (audio, delivered as an audio file) or file, by ``stream_type`` (a MIME type,
        or photo/video/audio/document) else by ``name``. Returns at once; the Stream reports
        success, or error with its ``reason`` (over ``mediaMaxMb``, unreadable, a type Zalo
        cannot take, a failed send). See backend/streams.py."""
        return self._streams.send(user, getattr(user, "account", None) or self.zalouser.default_account,
                                  _target(user), fsource, name, size, stream_type)

    def react(self, msg: Message, reaction: str) -> None:
        """React to a message the bot received with an emoji (❤️ 👍 😆 😮 😭 😡), a Zalo reaction
        name (HEART, LIKE, HAHA, WOW, CRY, ANGRY, OK, THANKS...) or NONE to take it back; queued
        like a reply. NotFound when the bot never saw that message, ValueError for an unknown
        reaction, NotSupported when the zca binary has no `msg react`."""
        extras = msg.extras or {}
        where = msg.to if msg.is_group else msg.frm
        self.zalouser.react(self._account_of(msg), _target(where), extras.get("msg_id") or extras.get("cli_msg_id")
                            or "", reaction)

    # --- outbound -----------------------------------------------------------------------------

    def split_and_send_message(self, msg: Message) -> None:
        # Chunking happens after rendering, in the service, by the length the chat will show.
        self.send_message(msg)

    def send_message(self, msg: Message) -> None:
        super().send_message(msg)
        if not (msg.body or "").strip():
            log.debug("not sending an empty reply to %s", msg.to)
            return
        self.zalouser.send_markdown(self._account_of(msg), _target(msg.to), msg.body,
                                    reply_to=(msg.extras or {}).get("reply_to"))

    def send_card(self, card: Any) -> None:
        """A card as one message a phone shows well (errbot's own card template glues its field
        table into one line): summary and title bold in the card's colour, the title's link
        written out, body, one ``key: value`` line per field; then its picture as a photo."""
        self.zalouser.send_card(self._account_of(card), _target(card.to), summary=card.summary, title=card.title,
                                link=card.link, body=card.body, image=card.image, thumbnail=card.thumbnail,
                                fields=tuple(card.fields or ()), color=card.color)

    def send_url(self, identifier: Person | Room, url: str, caption: str = "") -> None:
        """Send an http(s) URL as media chosen by its ending (image, video, voice, file), with an optional caption.
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

    def _on_event(self, account: str, event: Inbound) -> None:
        self._inbox.put((account, event))

    def _on_state(self, account: str, change: ListenerChange) -> None:
        self._inbox.put((account, change))

    def _dispatch_loop(self) -> bool:
        buffered: list[tuple[str, Inbound]] = []
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

    def _state_changed(self, account: str, change: ListenerChange,
                       buffered: list[tuple[str, Inbound]]) -> None:
        log.info("zalouser %s listener: %s %s", account, change.state, untrusted.for_log(change.detail))
        if change.connected and not self._connected:
            self.reset_reconnection_count()
            self.connect_callback()
            self._connected = True
            self._check_pairing_can_be_approved()
            for item in buffered:
                self._dispatch(*item)
            buffered.clear()

    def _check_pairing_can_be_approved(self) -> None:
        """Warn when strangers get pairing codes but no plugin answers `!pair approve`."""
        pairing = [a.account_id for a in self.zalouser.settings.accounts if a.enabled and a.dm_policy == "pairing"]
        if not pairing or "pair_approve" in self.commands:
            return
        text = (f"Pairing codes are handed out (dmPolicy pairing on {', '.join(pairing)}) but no plugin answers "
                f"{self.bot_config.BOT_PREFIX}pair approve: the companion plugins are not loaded (remove "
                "ZALOUSER_COMPANION_PLUGINS = False from config.py, or see the log for why they failed). "
                "Meanwhile approve codes from a shell: python -m errbot_zalouser pairing approve <code>")
        log.warning("%s", text)
        self._notify_admins(text)

    def _dispatch(self, account: str, event: Inbound) -> None:
        try:
            admission = (self.zalouser.admit(account, event) if isinstance(event, InboundEvent)
                         else self.zalouser.admit_reaction(account, event))
        except Exception:  # fail closed: an error in the gate drops the message
            log.exception("zalouser %s: gate failed; message %s dropped", account, event.msg_id)
            return
        if not admission.dispatch:
            self._log_drop(account, event, admission.reason)
            return
        me = self._identity_on(account)
        if isinstance(event, InboundReaction):
            self.callback_reaction(to_reaction(event, account, me=me, backend=self))
            return
        msg = to_message(event, account, admission.text, me=me, backend=self)
        self.callback_message(msg)
        people = mentioned_people(event, account, admission.mentioned, me)
        if people:
            self.callback_mention(msg, people)

    def _log_drop(self, account: str, event: Inbound, reason: str) -> None:
        where = f"group {event.thread_id}" if event.is_group else "DM"
        log.debug("zalouser %s: dropped message %s from %s in %s: %s",
                  account, event.msg_id, event.sender_id, where, reason)
        key = (account, Target(event.thread_id, event.is_group).key, reason)
        if key not in self._drop_notes:
            self._drop_notes[key] = True
            log.info("zalouser %s: ignoring messages from %s in %s: %s (logged once an hour; "
                     "debug level shows each)", account, event.sender_id, where, reason)

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
        self._streams.shutdown()
        self.zalouser.stop()
        self._disconnect()
        super().shutdown()

    def stop_serving(self) -> None:
        """Ask the dispatcher loop to return (used by tests and embedding code)."""
        self._stopping.set()


def _target(identifier: Any) -> Target:
    if isinstance(identifier, ZaloRoom):
        return Target(identifier.group_id, is_group=True)
    if isinstance(identifier, ZaloPerson):
        return Target(identifier.user_id)
    found = parse_identifier(str(identifier))
    return _target(found)


def _raise_keyboard_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
