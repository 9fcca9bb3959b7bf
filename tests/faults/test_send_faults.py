"""Suite 2: sends failing (exit 1, a hang past the timeout, Zalo's rate-limit and blocked texts).

The real ZalouserService (send pool, journal, CliRunner, ZcaClient) sends through `zca-sim`. A
retryable failure is retried and then delivered, or reported (a timeout, after which the message
may be in the chat, only with outbound.retryUnknownDelivery); a final failure is never silent:
it has an ERROR log line naming the conversation and the tool's stderr, and it is counted in
``status()`` (``failed_sends``, ``last_error``) and in `!zalouser status`.
"""

from __future__ import annotations

import logging
import random

import pytest

from errbot_zalouser.model import Target
from errbot_zalouser.simulator import texts
from tests.faults.conftest import ADMIN, FAST_SERVICE_OUTBOUND, FRIEND, STRANGER, sent_texts, wait_until

RATE = f"Error: {texts.RATE_LIMIT_TEXT}"
RETRY = f"Error: {texts.RETRY_LIMIT_TEXT}"
BLOCKED = f"Error: {texts.BLOCKED_TEXT}"
GENERIC = texts.DEFAULT_FAILURE
DISPATCHER_LOG = "errbot_zalouser.outbound.dispatcher"


def _final_failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == DISPATCHER_LOG and r.levelno == logging.ERROR
            and "failed after" in r.getMessage()]


def _retries(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == DISPATCHER_LOG and r.levelno == logging.WARNING
            and "retrying in" in r.getMessage()]


def _send_calls(sim) -> list[dict]:
    return [c for c in sim.calls() if c.get("command") == "msg send"]


@pytest.mark.parametrize("stderr", [RATE, RETRY], ids=["rate-limit", "retry-limit"])
def test_rate_limited_send_is_retried_then_delivered(service_factory, sim, error_log, stderr):
    service = service_factory()
    sim.fail("msg send", times=2, stderr=stderr)
    service.send_text(None, Target(FRIEND), "eventually delivered")
    assert service.drain(10)
    assert sent_texts(sim, FRIEND) == ["eventually delivered"]
    assert len(_retries(error_log)) == 2 and not _final_failures(error_log)
    [status] = service.status()
    assert status.failed_sends == 0 and status.queue_depth == 0


def test_hung_send_times_out_and_is_not_retried_by_default(service_factory, sim, error_log):
    """Killed mid-send, the message may already be in the chat: a retry could show it twice."""
    service = service_factory({"outbound": {**FAST_SERVICE_OUTBOUND, "sendTimeoutSeconds": 0.5}})
    sim.hang("msg send", 10)
    service.send_text(None, Target(FRIEND), "after a timeout")
    assert service.drain(15)
    assert wait_until(lambda: len(_send_calls(sim)) == 1 and "exit" in _send_calls(sim)[0], timeout=5)
    assert _send_calls(sim)[0]["exit"] == 143  # ended by our SIGTERM (0.1.58: exit 143)
    assert not _retries(error_log)
    [failure] = _final_failures(error_log)
    assert "ZcaTimeout" in failure.getMessage() and "retryUnknownDelivery" in failure.getMessage()
    assert service.status()[0].failed_sends == 1


def test_hung_send_is_retried_then_delivered_with_retry_unknown_delivery(service_factory, sim, error_log):
    service = service_factory({"outbound": {**FAST_SERVICE_OUTBOUND, "sendTimeoutSeconds": 0.5,
                                            "retryUnknownDelivery": True}})
    sim.hang("msg send", 10)
    service.send_text(None, Target(FRIEND), "after a timeout")
    assert service.drain(15)
    assert sent_texts(sim, FRIEND) == ["after a timeout"]
    assert wait_until(lambda: len(_send_calls(sim)) == 2, timeout=5)
    hung, ok = _send_calls(sim)
    assert hung["exit"] == 143 and ok["exit"] == 0  # the hung one was ended by our SIGTERM (0.1.58: exit 143)
    assert len(_retries(error_log)) == 1 and "timed out" in _retries(error_log)[0].getMessage()
    assert service.status()[0].failed_sends == 0


@pytest.mark.parametrize(
    ("fault", "attempts", "error_class", "stderr_text"),
    [
        ({"stderr": RATE, "times": -1}, 3, "ZcaRateLimited", texts.RATE_LIMIT_TEXT),
        ({"stderr": RETRY, "times": -1}, 3, "ZcaRateLimited", texts.RETRY_LIMIT_TEXT),
        ({"stderr": BLOCKED, "times": 1}, 1, "ZcaBlocked", texts.BLOCKED_TEXT),
        ({"stderr": GENERIC, "times": 1}, 1, "ZcaCommandFailed", "simulated failure"),
    ],
    ids=["rate-limit-forever", "retry-limit-forever", "blocked", "exit-1"],
)
def test_final_failure_is_logged_counted_and_the_conversation_goes_on(
    service_factory, sim, error_log, fault, attempts, error_class, stderr_text
):
    service = service_factory()
    sim.fail("msg send", **fault)
    service.send_text(None, Target(STRANGER), "this one fails")
    assert service.drain(15)
    sim.clear_faults()
    service.send_text(None, Target(STRANGER), "the next one is sent")
    assert service.drain(10)
    assert sent_texts(sim, STRANGER) == ["the next one is sent"]
    assert len(_send_calls(sim)) == attempts + 1
    [failure] = _final_failures(error_log)
    message = failure.getMessage()
    assert f"user:{STRANGER}" in message and f"after {attempts} attempt" in message
    assert error_class in message and stderr_text in message  # the tool's stderr is in the log
    [status] = service.status()
    assert status.failed_sends == 1 and status.queue_depth == 0
    assert STRANGER in status.last_error and stderr_text in status.last_error


def test_hung_forever_is_reported_after_the_last_attempt(service_factory, sim, error_log):
    service = service_factory({"outbound": {**FAST_SERVICE_OUTBOUND, "sendTimeoutSeconds": 0.3,
                                            "retryUnknownDelivery": True}})
    sim.hang("msg send", 10, times=-1)
    service.send_text(None, Target(FRIEND), "never gets through")
    assert service.drain(20)
    assert sent_texts(sim) == []
    [failure] = _final_failures(error_log)
    assert "ZcaTimeout" in failure.getMessage() and "after 3 attempt" in failure.getMessage()
    [status] = service.status()
    assert status.failed_sends == 1 and "timed out" in status.last_error
    sim.clear_faults()


def test_no_reply_of_a_faulty_burst_is_dropped_silently(service_factory, sim, error_log):
    """60 replies in 3 conversations under a random mix of faults: each one is delivered, or
    it has its own ERROR line and is counted; the delivered ones keep their order."""
    rng = random.Random(20240917)
    service = service_factory()
    kinds = [RATE, RETRY, BLOCKED, GENERIC]
    for _ in range(40):  # consumed in order by the first 40 failing attempts, whatever they are
        sim.fail("msg send", times=rng.choice([1, 1, 2]), stderr=rng.choice(kinds))
    threads = [FRIEND, STRANGER, ADMIN]
    submitted: dict[str, list[str]] = {t: [] for t in threads}
    for n in range(60):
        thread = threads[n % 3]
        text = f"reply {n:02d}"
        submitted[thread].append(text)
        service.send_text(None, Target(thread), text)
    assert service.drain(60)
    [status] = service.status()
    failures = _final_failures(error_log)
    assert status.failed_sends == len(failures)
    for thread in threads:
        delivered = sent_texts(sim, thread)
        assert len(set(delivered)) == len(delivered)  # nothing sent twice
        assert delivered == [t for t in submitted[thread] if t in delivered]  # order kept
        missing = len(submitted[thread]) - len(delivered)
        logged = sum(f"user:{thread}" in r.getMessage() for r in failures)
        assert missing == logged, (thread, missing, logged)
    assert status.failed_sends > 0 and status.queue_depth == 0  # the mix did make some fail
    assert len(sent_texts(sim)) + status.failed_sends == 60


def test_send_timeout_setting_bounds_a_hung_send(service_factory, sim):
    service = service_factory({"outbound": {"ratePerSecond": 50, "burst": 50, "maxAttempts": 3,
                                            "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2,
                                            "sendTimeoutSeconds": 0.5}})
    sim.hang("msg send", 3)
    service.send_text(None, Target(FRIEND), "bounded by sendTimeoutSeconds")
    assert service.drain(15)
    assert wait_until(lambda: len(_send_calls(sim)) >= 1 and "exit" in _send_calls(sim)[0], timeout=5)
    assert _send_calls(sim)[0]["exit"] == 143  # SIGTERM at 0.5 s (0.1.58: exit 143), not left to finish after 3 s


NUL = pytest.param("nul \x00 inside", id="nul")
SURROGATE = pytest.param("lone \ud800 surrogate", id="surrogate")


@pytest.mark.parametrize("text", [NUL, SURROGATE])
def test_unencodable_reply_is_at_least_reported(service_factory, sim, error_log, text):
    """A listener line may carry "\\u0000" or a lone surrogate escape, and `!echo` sends it back:
    such a text cannot be put in an argv. Delivered (sanitised) or reported, never silently lost."""
    service = service_factory()
    service.send_text(None, Target(FRIEND), text)
    service.send_text(None, Target(FRIEND), "next")
    assert service.drain(10)
    delivered = sent_texts(sim, FRIEND)
    assert delivered[-1] == "next"
    if len(delivered) == 1:  # not delivered: then it must be on record
        assert len(_final_failures(error_log)) == 1 and service.status()[0].failed_sends == 1


@pytest.mark.parametrize("text", [NUL, SURROGATE])
def test_unencodable_reply_is_still_delivered(service_factory, sim, text):
    service = service_factory()
    service.send_text(None, Target(FRIEND), text)
    assert service.drain(10)
    assert len(sent_texts(sim, FRIEND)) == 1 and service.status()[0].failed_sends == 0


# --- end to end: the admin sees the failure -----------------------------------------------------


def test_failed_reply_shows_in_zalouser_status(bot_factory):
    bot = bot_factory({"dmPolicy": "allowlist", "allowFrom": [FRIEND],
                       "outbound": {"ratePerSecond": 50, "burst": 50, "maxAttempts": 2,
                                    "retryBaseSeconds": 0.05, "retryMaxSeconds": 0.2}})
    sim = bot.sim
    sim.fail("msg send", times=1, stderr=BLOCKED)
    sim.inject_dm(FRIEND, "!echo you will not get this")
    assert wait_until(lambda: "Không thể nhận tin nhắn" in bot.log, timeout=15), bot.log[-2000:]
    sim.inject_dm(ADMIN, "!zalouser status")
    status = bot.replies_to(ADMIN, timeout=15)[-1]["text"]
    assert "failed sends: 1" in status, status
    assert f"user:{FRIEND}" in status and texts.BLOCKED_TEXT in status
    assert sent_texts(sim, FRIEND) == []
    assert "failed after 1 attempt" in bot.log and f"user:{FRIEND}" in bot.log
