"""SeenMessages: found by either id within their own thread; bounded per thread and in threads."""

from __future__ import annotations

from errbot_zalouser.model import InboundEvent, Target
from errbot_zalouser.service.seen import SeenMessages


def event(thread: str, msg_id: str, cli: str, *, group: bool = False, content: str = "hi") -> InboundEvent:
    line = {"threadId": thread, "msgId": msg_id, "cliMsgId": cli, "content": content, "msgType": "webchat",
            "senderId": "42", "type": 1 if group else 0, "metadata": {"isGroup": group, "fromId": "42"},
            "mediaPaths": ["/x"]}
    return InboundEvent.from_json(line)


def test_found_by_either_id_in_its_own_thread_only():
    seen = SeenMessages()
    seen.remember("a", event("7", "100", "200", group=True))
    found = seen.find("a", Target("7", True), "100")
    assert found is not None and (found.msg_id, found.cli_msg_id) == ("100", "200")
    assert seen.find("a", Target("7", True), "200") == found
    assert seen.find("a", Target("7"), "100") is None  # a DM with the same id is another thread
    assert seen.find("b", Target("7", True), "100") is None and seen.find("a", Target("7", True), "") is None
    assert found.line == {"threadId": "7", "msgId": "100", "cliMsgId": "200", "msgType": "webchat",
                          "senderId": "42", "content": "hi"}  # what a quote needs, nothing more


def test_a_message_without_both_ids_is_not_kept():
    seen = SeenMessages()
    seen.remember("a", event("7", "", "200"))
    assert seen.find("a", Target("7"), "200") is None


def test_bounded_per_thread_and_in_threads():
    seen = SeenMessages(per_thread=3, threads=2)
    for n in range(5):
        seen.remember("a", event("1", f"1{n}", f"2{n}"))
    assert [seen.find("a", Target("1"), f"1{n}") is not None for n in range(5)] == [False, False, True, True, True]
    seen.remember("a", event("2", "30", "40"))
    seen.remember("a", event("1", "15", "25"))  # thread 1 is used again: thread 2 is now the oldest
    seen.remember("a", event("3", "50", "60"))
    assert seen.find("a", Target("2"), "30") is None and seen.find("a", Target("1"), "15") is not None
    assert seen.find("a", Target("3"), "50") is not None
