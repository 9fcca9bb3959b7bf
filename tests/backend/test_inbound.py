"""What a plugin receives (backend/inbound.py): attachments, quotes and mentions in the Message,
reactions as errbot Reactions, a threaded reply quoting the message it answers."""

from __future__ import annotations

import time

from errbot.backends.base import REACTION_ADDED, REACTION_REMOVED

from errbot_zalouser.backend.identifiers import ZaloOccupant, ZaloPerson
from errbot_zalouser.model import Attachment, Quote
from errbot_zalouser.simulator import events as sim_events
from errbot_zalouser.simulator import seed
from tests.backend.conftest import FRIEND, STRANGER, WORK_CHAT

BOT_NAME = "Sim Bot"
OTHER = "2947718306652210431"


def photo(h, sender: str = FRIEND, *, group_id: str | None = None, caption: str = "") -> tuple[dict, str]:
    """A photo line whose file is really in the account's media folder."""
    folder = h.bot.zalouser.media["default"].path
    path = folder / "1774152600123-9f1c2a7b.jpg"
    path.write_bytes(b"\xff\xd8jpeg")
    url = "https://f21-zpc.zdn.vn/jpg/photo.jpg"
    line = sim_events.openzca_event(group_id or sender, sender, f"[media attached: {path} (image/jpeg) | {url}]\n"
                                    f"{caption or url}", is_group=group_id is not None, self_id=seed.BOT_ID,
                                    msg_type="chat.photo", media={"mediaPath": str(path), "mediaPaths": [str(path)],
                                                                  "mediaUrl": url, "mediaUrls": [url],
                                                                  "mediaType": "image/jpeg",
                                                                  "mediaTypes": ["image/jpeg"], "mediaKind": "image"})
    return line, str(path)


def test_a_photo_reaches_plugins_with_its_attachment(make_harness):
    h = make_harness()
    h.listener.connect()
    line, path = photo(h)
    h.feed(line)
    (msg,) = h.wait_messages(1)
    assert msg.body == "[photo]" and msg.extras["msg_type"] == "chat.photo"
    assert msg.extras["attachments"] == (Attachment("image", url="https://f21-zpc.zdn.vn/jpg/photo.jpg", path=path,
                                                    mime="image/jpeg", size=6, name="photo.jpg"),)


def test_a_hostile_path_never_reaches_a_plugin(make_harness):
    h = make_harness()
    h.listener.connect()
    line, _ = photo(h)
    line["mediaPath"], line["mediaPaths"] = "/etc/passwd", ["/etc/passwd"]
    h.feed(line)
    (msg,) = h.wait_messages(1)
    assert msg.extras["attachments"][0].path == "" and msg.extras["attachments"][0].size is None


def test_a_quote_reply_carries_its_quote(make_harness):
    h = make_harness()
    h.listener.connect()
    quote = {"ownerId": OTHER, "senderName": "An", "msg": "gửi báo giá", "cliMsgId": "1774152399000",
             "globalMsgId": "7645520000001"}
    h.feed(sim_events.openzca_event(FRIEND, FRIEND, "ok\n[reply context: An: gửi báo giá]", is_group=False,
                                    self_id=seed.BOT_ID, quote={"quote": quote}))
    (msg,) = h.wait_messages(1)
    assert msg.body == "ok"
    assert msg.extras["quote"] == Quote(msg_id="7645520000001", cli_msg_id="1774152399000", sender_id=OTHER,
                                        sender_name="An", text="gửi báo giá")


def test_callback_mention_gets_everyone_mentioned_but_not_a_stickers_records(make_harness):
    h = make_harness()
    h.listener.connect()
    mentions = [{"uid": OTHER, "pos": 0, "len": 3, "type": 0}, {"uid": seed.BOT_ID, "pos": 4, "len": 8, "type": 0}]
    h.feed(sim_events.group_event(WORK_CHAT, FRIEND, "@An @Sim Bot xem", mentions=mentions),
           sim_events.openzca_event(WORK_CHAT, FRIEND, "<non-text:chat.sticker>", is_group=True, self_id=seed.BOT_ID,
                                    msg_type="chat.sticker", mentions=[{"uid": "21979", "type": 7}]),
           sim_events.group_event(WORK_CHAT, FRIEND, "@Anh ơi"))
    msgs = h.wait_messages(3)
    ((msg, people),) = h.wait_mentions(1)
    assert msg is msgs[0] and people == [ZaloPerson(OTHER), h.bot.bot_identifier]
    assert h.bot.bot_identifier in people and msgs[1].body == "[sticker]"


def test_a_threaded_reply_quotes_the_message_it_answers(make_harness):
    h = make_harness()
    h.listener.connect()
    h.feed(sim_events.openzca_event(WORK_CHAT, FRIEND, "xin chào", is_group=True, self_id=seed.BOT_ID,
                                    msg_id="7645530765413", cli_msg_id="1774152529301", timestamp=time.time()))
    (msg,) = h.wait_messages(1)
    threaded = h.bot.build_reply(msg, "pong", threaded=True)
    assert threaded.extras["reply_to"] == "7645530765413"
    assert "reply_to" not in h.bot.build_reply(msg, "pong").extras
    assert "reply_to" not in h.bot.build_reply(msg, "pong", private=True, threaded=True).extras  # another thread
    h.bot.send_message(threaded)
    (row,) = h.sent_to(WORK_CHAT)
    assert row["quote"]["msgId"] == "7645530765413" and row["text"] == "pong"


def test_a_plugin_reacts_to_a_message_it_received(make_harness):
    h = make_harness()
    h.listener.connect()
    h.feed(sim_events.openzca_event(FRIEND, FRIEND, "hay quá", is_group=False, self_id=seed.BOT_ID,
                                    msg_id="7645530765499", cli_msg_id="1774152529399", timestamp=time.time()))
    (msg,) = h.wait_messages(1)
    h.bot.react(msg, "👍")
    (row,) = h.sent_to(FRIEND)
    assert (row["command"], row["reaction"], row["target"]) == (
        "react", "/-strong", {"msgId": "7645530765499", "cliMsgId": "1774152529399"})


ENGINE_REACTION = {"threadId": WORK_CHAT, "isGroup": True, "senderId": FRIEND, "senderName": "Alice Smith",
                   "icon": "/-heart", "targets": [{"msgId": "7645530765413", "cliMsgId": "1774152529301"}],
                   "msgId": "7645530765999"}


def engine_reaction(**changes: object) -> dict:
    """A reaction as the engine reports one now (an old one is dropped as a replay risk)."""
    return {**ENGINE_REACTION, "timestamp": int(time.time()), **changes}


def test_a_reaction_reaches_callback_reaction(make_harness):
    h = make_harness()
    h.listener.connect()
    h.listener.deliver_reaction(engine_reaction())
    h.listener.deliver_reaction(engine_reaction(icon="", msgId="7645530766000"))
    added, removed = h.wait_reactions(2)
    assert type(added.reactor) is ZaloOccupant and added.reactor.user_id == FRIEND
    assert (added.reaction_name, added.action, removed.reaction_name, removed.action) == (
        "HEART", REACTION_ADDED, "NONE", REACTION_REMOVED)
    assert added.reacted_to["msg_id"] == "7645530765413" and added.reacted_to["thread_id"] == WORK_CHAT


def test_a_strangers_and_the_bots_own_reactions_and_replays_are_dropped(make_harness):
    h = make_harness()
    h.listener.connect()
    h.listener.deliver_reaction(engine_reaction(isGroup=False, threadId=STRANGER, senderId=STRANGER))
    h.listener.deliver_reaction(engine_reaction(senderId=seed.BOT_ID, msgId="7645530766001"))
    h.listener.deliver_reaction(engine_reaction(msgId="7645530766002"))
    h.listener.deliver_reaction(engine_reaction(msgId="7645530766002"))  # a replay
    h.listener.deliver_reaction(engine_reaction(msgId="7645530766003", icon=":>"))
    first, second = h.wait_reactions(2)
    assert (first.reaction_name, second.reaction_name) == ("HEART", "HAHA") and len(h.recorder.reactions) == 2
    assert not any(r["threadId"] == STRANGER for r in h.sim.sent())  # no pairing reply to a reaction
