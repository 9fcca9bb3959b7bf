"""ConversationQueues on their own: one conversation in flight at a time, order kept, counters."""

from __future__ import annotations

import threading

from errbot_zalouser.model import Target
from errbot_zalouser.outbound.item import OutboundItem
from errbot_zalouser.outbound.queues import ConversationQueues


def item(text: str, thread: str = "1", account: str = "default") -> OutboundItem:
    return OutboundItem(account=account, target=Target(thread), kind="text", text=text)


def test_a_conversation_in_flight_is_not_handed_out_again():
    queues = ConversationQueues()
    queues.add([item("a1"), item("a2"), item("b1", thread="2")])
    first, second = queues.take(), queues.take()
    assert first is not None and second is not None
    assert [first.item.text, second.item.text] == ["a1", "b1"]  # a2 waits for a1 to finish
    assert queues.total.queued == 1 and queues.total.in_flight == 2
    queues.release(first, finished=True)
    third = queues.take()
    assert third is not None and third.item.text == "a2"


def test_an_interrupted_item_goes_back_to_the_head_of_its_conversation():
    queues = ConversationQueues()
    queues.add([item("a1"), item("a2")])
    entry = queues.take()
    assert entry is not None
    queues.release(entry, finished=False)
    again = queues.take()
    assert again is not None and again.item.text == "a1" and again.seq == entry.seq


def test_front_keeps_the_order_of_what_is_put_in_front():
    queues = ConversationQueues()
    queues.add([item("new")])
    queues.add([item("old1"), item("old2")], front=True)
    texts = []
    for _ in range(3):
        entry = queues.take()
        assert entry is not None
        texts.append(entry.item.text)
        queues.release(entry, finished=True)
    assert texts == ["old1", "old2", "new"]
    assert queues.queued_ids() == set()


def test_drain_waits_for_earlier_items_and_close_wakes_everyone():
    queues = ConversationQueues()
    queues.add([item("a")])
    assert queues.drain(0.05) is False  # not finished yet
    entry = queues.take()
    assert entry is not None
    queues.release(entry, finished=True)
    assert queues.drain(0.05) is True
    woken: list[object] = []
    waiter = threading.Thread(target=lambda: woken.append(queues.take()), daemon=True)
    waiter.start()
    queues.close()
    waiter.join(5)
    assert woken == [None] and queues.closed


def test_counters_per_account_and_in_total():
    queues = ConversationQueues()
    queues.count("a", sent=2)
    queues.count("b", failed=1)
    queues.note("b", last_error="ZcaBlocked: no")
    assert (queues.of("a").sent, queues.of("b").failed, queues.of("c").sent) == (2, 1, 0)
    assert (queues.total.sent, queues.total.failed, queues.total.last_error) == (2, 1, "ZcaBlocked: no")
