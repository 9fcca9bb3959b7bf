"""A non-zero `zca` exit is mapped to an error class by its stderr (errors.classify_failure)."""

from __future__ import annotations

import pytest

from errbot_zalouser.errors import (
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaError,
    ZcaListenerStarting,
    ZcaNotAuthenticated,
    ZcaNotFound,
    ZcaQuoteRefused,
    ZcaRateLimited,
    ZcaTimeout,
    ZcaUnreachable,
    classify_failure,
)

ARGV = ("zca", "--profile", "default", "msg", "send", "-g", "--", "6918273645501928374", "hello")


@pytest.mark.parametrize(
    ("code", "stderr", "cls"),
    [
        (1, "Error: Profile default: not logged in", ZcaNotAuthenticated),
        (1, 'Error: Profile "default" has no credentials. Run: auth login', ZcaNotAuthenticated),
        (1, "Error: zpw_sek bị thiếu hoặc không đúng", ZcaNotAuthenticated),
        (1, "Error: Không thể nhận tin nhắn từ bạn.", ZcaBlocked),
        (1, "Error: Vượt quá số request cho phép", ZcaRateLimited),
        (1, "Error: Retry limit", ZcaRateLimited),
        (1, "ZaloApiError: code 221", ZcaRateLimited),
        (1, "spawn zca ENOENT", ZcaNotFound),
        (127, "zca: command not found", ZcaNotFound),
        (124, "Command timed out", ZcaTimeout),
        (1, "Error: read ETIMEDOUT", ZcaTimeout),
        (1, "Error: socket hang up", ZcaTimeout),
        (1, "Error: read ECONNRESET", ZcaTimeout),
        (1, "Error: Request timeout", ZcaTimeout),
        (1, "Error: connect ECONNREFUSED 203.0.113.5:443", ZcaUnreachable),
        (1, "Error: getaddrinfo ENOTFOUND wpa.chat.zalo.me", ZcaUnreachable),
        (1, "Error: getaddrinfo EAI_AGAIN wpa.chat.zalo.me", ZcaUnreachable),
        (1, "Error: Missing reply message cliMsgId.", ZcaQuoteRefused),
        (1, "Error: Reply message belongs to a different thread.", ZcaQuoteRefused),
        (1, "Error: Invalid JSON for --reply-message: Unexpected end of JSON input", ZcaQuoteRefused),
        (1, "Error: Reply source not found in DB: 77", ZcaQuoteRefused),
        (1, "Error: The `group.poll` quote type is not available", ZcaQuoteRefused),
        (1, 'Error: Active listener owner detected for profile "default" (pid 4242), but upload IPC is unavailable. '
            "Restart `openzca listen` with latest version or set OPENZCA_UPLOAD_ENFORCE_SINGLE_OWNER=0 to allow "
            "fallback listener startup.", ZcaListenerStarting),
        (1, "Error: Group not found: 6918273645501928374", ZcaCommandFailed),
        (1, "error: unknown option '-m'", ZcaCommandFailed),
        (1, "", ZcaCommandFailed),
        (2, "Error: Mã QR đăng nhập không hợp lệ", ZcaCommandFailed),
    ],
)
def test_classify_failure(code, stderr, cls):
    err = classify_failure(ARGV, code, stderr)
    assert type(err) is cls
    assert isinstance(err, ZcaError)
    assert (err.argv, err.returncode, err.stderr) == (ARGV, code, stderr)
    assert "msg send" in str(err)
    assert "hello" not in str(err)


@pytest.mark.parametrize(
    ("cls", "retryable", "unknown"),
    [
        (ZcaTimeout, True, True),  # it may be in the chat already
        (ZcaUnreachable, True, False),
        (ZcaRateLimited, True, False),
        (ZcaListenerStarting, True, False),  # the upload was refused before anything was sent
        (ZcaBlocked, False, False),
        (ZcaNotAuthenticated, False, False),
        (ZcaCommandFailed, False, False),
        (ZcaQuoteRefused, False, False),
        (ZcaNotFound, False, False),
    ],
)
def test_retryable_and_delivery_unknown_are_class_properties(cls, retryable, unknown):
    assert (cls.retryable, cls.delivery_unknown) == (retryable, unknown)


def test_summary_is_the_last_stderr_line():
    err = classify_failure(ARGV, 1, "INFO something\nError: boom\n")
    assert str(err).endswith("Error: boom")
    assert "exit code 3" in str(classify_failure(ARGV, 3, ""))
