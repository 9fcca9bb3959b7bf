"""ZcaClient against an in-memory fake runner that records argv and timeouts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from errbot_zalouser.errors import (
    NotSupported,
    ZcaBadOutput,
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaNotAuthenticated,
    ZcaNotFound,
    ZcaRateLimited,
    ZcaTimeout,
)
from errbot_zalouser.model import SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.richtext.styled import BOLD, UNORDERED_LIST, StyledText, StyleRange
from errbot_zalouser.transport.capabilities import Capabilities
from errbot_zalouser.transport.client import TIMEOUTS, ZcaClient
from errbot_zalouser.transport.runner import CompletedRun

UID = "2011223344556677889"
GID = "6918273645501928374"
P = ["--profile", "work"]


@dataclass
class FakeRunner:
    """Returns queued results (or raises queued errors); fails the test on an unexpected call."""

    replies: list[tuple[int, str, str] | Exception] = field(default_factory=list)
    calls: list[tuple[list[str], float | None]] = field(default_factory=list)

    def run(self, args: Sequence[str], *, timeout: float | None) -> CompletedRun:
        self.calls.append((list(args), timeout))
        if not self.replies:
            pytest.fail(f"unexpected zca call: {list(args)}")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        code, out, err = reply
        return CompletedRun(("zca", *args), code, out, err, 0.01)

    @property
    def argv(self) -> list[str]:
        return self.calls[-1][0]

    @property
    def timeout(self) -> float | None:
        return self.calls[-1][1]


def client(*replies, caps: Capabilities | None = None) -> tuple[ZcaClient, FakeRunner]:
    runner = FakeRunner(list(replies))
    return ZcaClient(runner, "work", capabilities=caps), runner


OPENZCA = Capabilities(kind="openzca", version="0.1.58", parsed=True, raw=True, native_formatting=True,
                       group_mentions=True, self_splitting=True, send_retry=True, upload=True)
OLD_OPENZCA = Capabilities(kind="openzca", version="0.1.40", parsed=True, raw=True)
OLDEST = Capabilities.oldest("0.1.20")
BOLD_X = StyledText("x and 5*3", (StyleRange(0, 1, BOLD),))
ITEM = StyledText("1. literal", (StyleRange(0, 10, UNORDERED_LIST),))


USER = Target(UID)
GROUP = Target(GID, is_group=True)


@pytest.mark.parametrize(
    ("call", "argv", "timeout"),
    [
        (lambda c: c.send_text(USER, "hello"), [*P, "msg", "send", "--", UID, "hello"], 30),
        (lambda c: c.send_text(GROUP, "hello"), [*P, "msg", "send", "-g", "--", GID, "hello"], 30),
        (lambda c: c.send_text(USER, "--help"), [*P, "msg", "send", "--", UID, "--help"], 30),
        (lambda c: c.send_text(GROUP, "-g"), [*P, "msg", "send", "-g", "--", GID, "-g"], 30),
        (lambda c: c.send_text(USER, "--profile x"), [*P, "msg", "send", "--", UID, "--profile x"], 30),
        (
            lambda c: c.send_media(USER, "image", "https://x.invalid/a.png", "cap"),
            [*P, "msg", "image", "--url=https://x.invalid/a.png", "--message=cap", "--", UID],
            30,
        ),
        (
            lambda c: c.send_media(GROUP, "video", "https://x.invalid/v.mp4"),
            [*P, "msg", "video", "--url=https://x.invalid/v.mp4", "-g", "--", GID],
            30,
        ),
        (
            lambda c: c.send_media(GROUP, "voice", "https://x.invalid/v.mp3", "not sent here"),
            [*P, "msg", "voice", "--url=https://x.invalid/v.mp3", "-g", "--", GID],
            30,
        ),
        (
            lambda c: c.send_media(USER, "image", "https://x.invalid/a.png", "-g --help"),
            [*P, "msg", "image", "--url=https://x.invalid/a.png", "--message=-g --help", "--", UID],
            30,
        ),
        (
            lambda c: c.send_link(GROUP, "https://example.invalid/page"),
            [*P, "msg", "link", "-g", "--", GID, "https://example.invalid/page"],
            30,
        ),
        (lambda c: c.send_typing(USER), [*P, "msg", "typing", "--", UID], TIMEOUTS["msg typing"]),
        (lambda c: c.logout(), [*P, "auth", "logout"], 10),
    ],
)
def test_command_argv_and_timeouts(call, argv, timeout):
    c, runner = client((0, "", ""))
    call(c)
    assert runner.argv == argv
    assert runner.timeout == timeout
    assert len(runner.calls) == 1  # no `auth status` or `--version` per send


@pytest.mark.parametrize(
    ("caps", "text", "argv"),
    [
        (OPENZCA, "5*3 a_b", [*P, "msg", "send", "--raw", "--", UID, "5*3 a_b"]),
        (OPENZCA, BOLD_X, [*P, "msg", "send", "--", UID, r"{small}**x**{/small} and 5\*3"]),
        (OPENZCA, ITEM, [*P, "msg", "send", "--", UID, "- 1. literal"]),
        (OPENZCA, StyledText("\r x", (StyleRange(2, 1, BOLD),)), [*P, "msg", "send", "--raw", "--", UID, "\r x"]),
        (OLD_OPENZCA, BOLD_X, [*P, "msg", "send", "--raw", "--", UID, "x and 5*3"]),
        (OLDEST, BOLD_X, [*P, "msg", "send", "--", UID, "x and 5*3"]),
        (OLDEST, "--raw", [*P, "msg", "send", "--", UID, "--raw"]),
    ],
    ids=["plain text raw", "styles as markers", "list line", "not expressible", "formats but not exactly",
         "oldest: as it is", "oldest: never --raw"],
)
def test_text_goes_out_in_the_form_the_binary_reads(caps, text, argv):
    c, runner = client((0, "", ""), caps=caps)
    c.send_text(USER, text)
    assert runner.argv == argv


@pytest.mark.parametrize(
    ("caps", "kind", "argvs"),
    [
        (OPENZCA, "video", [[*P, "msg", "upload", "--url=https://x.invalid/v.mp4", "-g", "--", GID]]),
        (OPENZCA, "file", [[*P, "msg", "upload", "--url=https://x.invalid/v.mp4", "-g", "--", GID]]),
        (OLDEST, "video", [[*P, "msg", "video", "--url=https://x.invalid/v.mp4", "-g", "--", GID]]),
        (OLDEST, "file", [[*P, "msg", "image", "--url=https://x.invalid/v.mp4", "-g", "--", GID]]),
        (OPENZCA, "image", [[*P, "msg", "image", "--url=https://x.invalid/v.mp4", "-g", "--", GID]]),
    ],
)
def test_videos_and_files_go_through_msg_upload_where_the_binary_has_it(caps, kind, argvs):
    c, runner = client((0, "", ""), caps=caps)
    c.send_media(GROUP, kind, "https://x.invalid/v.mp4")
    assert [argv for argv, _ in runner.calls] == argvs


def test_an_upload_caption_goes_first_as_a_text():
    c, runner = client((0, "", ""), (0, "", ""), caps=OPENZCA)
    c.send_media(USER, "video", "https://x.invalid/v.mp4", "xem nè")
    assert [argv for argv, _ in runner.calls] == [
        [*P, "msg", "send", "--raw", "--", UID, "xem nè"],
        [*P, "msg", "upload", "--url=https://x.invalid/v.mp4", "--", UID],
    ]
    assert runner.timeout == TIMEOUTS["msg upload"]


def test_commas_in_a_media_url_cannot_split_it_into_a_local_path():
    c, runner = client((0, "", ""), caps=OPENZCA)
    c.send_media(USER, "image", "https://x.invalid/a.png,/etc/passwd")
    assert "--url=https://x.invalid/a.png%2C/etc/passwd" in runner.argv


def test_a_success_without_a_readable_id_is_delivered_and_said_once(caplog):
    c, _ = client((0, "{ weird: true }", ""), (0, "{ weird: true }", ""))
    with caplog.at_level("INFO", logger="errbot_zalouser.transport.client"):
        assert c.send_text(USER, "hi") == SendResult(None)
        assert c.send_text(USER, "hi") == SendResult(None)
    assert caplog.text.count("no message id we recognise") == 1


@pytest.mark.parametrize(
    ("stdout", "message_id"),
    [
        ("message_id: msg-1\n", "msg-1"),
        ("message id: mid-123", "mid-123"),
        ("abc123", "abc123"),
        ("{ message: { msgId: 7339812345678901234 }, attachment: [] }\n", "7339812345678901234"),
        ("{ message: { msgId: 7645528516660 }, attachment: [] }\n", "7645528516660"),
        ("{\n  chunked: true,\n  chunkCount: 2,\n  msgId: '7645528516662',\n  response: [\n"
         "    { message: { msgId: 7645528516661 }, attachment: [] },\n"
         "    { message: { msgId: 7645528516662 }, attachment: [] }\n  ]\n}\n", "7645528516662"),
        ("{ message: null, attachment: [ { msgId: 7645528516663 } ] }\n", "7645528516663"),
        ("{ msgId: '7645528516664' }\n", "7645528516664"),
        ("┌─────────┬─────────────────┐\n│ (index) │ msgId           │\n├─────────┼─────────────────┤\n"
         "│ 0       │ '7645528516665' │\n└─────────┴─────────────────┘\n", "7645528516665"),
        ("", None),
    ],
)
def test_send_returns_the_message_id_when_there_is_one(stdout, message_id):
    c, _ = client((0, stdout, ""))
    assert c.send_text(USER, "hi") == SendResult(message_id)


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_send_text_refuses_empty_text_without_calling_zca(text):
    c, runner = client()
    with pytest.raises(ValueError):
        c.send_text(USER, text)
    assert runner.calls == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.send_media(USER, "sticker", "https://x.invalid/a"),
        lambda c: c.send_media(USER, "image", ""),
        lambda c: c.send_link(USER, " "),
        lambda c: c.send_text(Target(""), "hi"),
        lambda c: c.friend_find(""),
        lambda c: c.group_members(""),
    ],
)
def test_invalid_arguments_raise_value_error(call):
    c, runner = client()
    with pytest.raises(ValueError):
        call(c)
    assert runner.calls == []


@pytest.mark.parametrize(
    ("stderr", "cls"),
    [
        ("Error: Không thể nhận tin nhắn từ bạn.", ZcaBlocked),
        ("Error: Vượt quá số request cho phép", ZcaRateLimited),
        ("Error: Profile work: not logged in", ZcaNotAuthenticated),
        ("error: unknown option '-m'", ZcaCommandFailed),
    ],
)
def test_send_failures_are_classified(stderr, cls):
    c, _ = client((1, "", stderr))
    with pytest.raises(cls) as info:
        c.send_text(GROUP, "hi")
    assert info.value.stderr == stderr and info.value.returncode == 1


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ((0, "", ""), True),
        ((1, "", "Error: Profile work: not logged in"), False),
        (ZcaTimeout("hung", argv=("zca",)), False),
    ],
)
def test_is_authenticated(reply, expected):
    c, runner = client(reply)
    assert c.is_authenticated() is expected
    assert runner.argv == [*P, "auth", "status"] and runner.timeout == 5


def test_is_authenticated_lets_not_found_through():
    c, _ = client(ZcaNotFound("no zca"))
    with pytest.raises(ZcaNotFound):
        c.is_authenticated()


def test_version():
    c, runner = client((0, "\x1b[1m0.1.20\x1b[0m\n", ""))
    assert c.version() == "0.1.20"
    assert runner.argv == ["--version"] and runner.timeout == 5


def test_version_failure_is_raised():
    c, _ = client((1, "", "boom"))
    with pytest.raises(ZcaCommandFailed):
        c.version()


def test_me_info():
    me = {"userId": "4830021983762145322", "displayName": "Fake Bot", "avatar": "https://a.invalid/x.jpg"}
    c, runner = client((0, "INFO logging in\n" + json.dumps(me, indent=2), ""))
    user = c.me_info()
    assert (user.user_id, user.display_name, user.avatar) == ("4830021983762145322", "Fake Bot", me["avatar"])
    assert runner.argv == [*P, "me", "info", "-j"] and runner.timeout == 30


@pytest.mark.parametrize("stdout", ['{"displayName": "no id"}', "[]", "garbage"])
def test_me_info_without_user_id_is_bad_output(stdout):
    c, _ = client((0, stdout, ""))
    with pytest.raises(ZcaBadOutput):
        c.me_info()


def test_friend_list_and_find():
    rows = [{"userId": UID, "displayName": "Bob"}, {"displayName": "no id"}, "junk"]
    c, runner = client((0, json.dumps(rows), ""), (0, json.dumps(rows[:1]), ""))
    assert c.friend_list() == [ZaloUser(UID, "Bob")]
    assert runner.argv == [*P, "friend", "list", "-j"] and runner.timeout == 15
    assert c.friend_find("-Bob") == [ZaloUser(UID, "Bob")]
    assert runner.argv == [*P, "friend", "find", "-j", "--", "-Bob"] and runner.timeout == 15


def test_group_list():
    rows = [{"groupId": GID, "name": "Work Chat", "totalMember": 12}, {"name": "no id"}]
    c, runner = client((0, json.dumps(rows), ""))
    assert c.group_list() == [ZaloGroup(GID, "Work Chat", 12)]
    assert runner.argv == [*P, "group", "list", "-j"] and runner.timeout == 15


def test_group_members_skips_bad_rows_and_logs_them(caplog):
    rows = [{"userId": UID, "displayName": "Bob"}, {"id": "3000000000000000001"}, {"displayName": "x"}, 7]
    c, runner = client((0, json.dumps(rows), ""))
    with caplog.at_level("WARNING"):
        members = c.group_members(GID)
    assert [m.user_id for m in members] == [UID, "3000000000000000001"]
    assert runner.argv == [*P, "group", "members", "-j", "--", GID] and runner.timeout == 20
    assert "skipped 2 of 4" in caplog.text


def test_group_members_unknown_group():
    c, _ = client((1, "", f"Error: Group not found: {GID}"))
    with pytest.raises(ZcaCommandFailed) as info:
        c.group_members(GID)
    assert "Group not found" in str(info.value)


@pytest.mark.parametrize("stdout", ['{"not": "a list"', '"a string"', "42"])
def test_lists_reject_non_arrays(stdout):
    c, _ = client((0, stdout, ""))
    with pytest.raises(ZcaBadOutput):
        c.friend_list()


def test_login_args():
    c, runner = client()
    assert c.login_args() == [*P, "auth", "login"]
    assert c.login_args(qr_base64=True) == [*P, "auth", "login", "--qr-base64"]
    assert runner.calls == []


def test_login_qr_base64():
    data_url = "data:image/png;base64,iVBORw0KGgo+/="
    c, runner = client((0, f"Starting login...\n{data_url}\n", ""))
    assert c.login_qr_base64() == data_url
    assert runner.argv == [*P, "auth", "login", "--qr-base64"] and runner.timeout == 30


@pytest.mark.parametrize(
    ("reply", "cls"),
    [
        ((0, "QR login started", ""), ZcaBadOutput),
        ((1, "", "Error: Mã QR đăng nhập không hợp lệ"), ZcaCommandFailed),
    ],
)
def test_login_qr_base64_failures(reply, cls):
    c, _ = client(reply)
    with pytest.raises(cls):
        c.login_qr_base64()


def test_timeout_and_not_found_propagate_from_sends():
    c, _ = client(ZcaTimeout("slow"), ZcaNotFound("missing"))
    with pytest.raises(ZcaTimeout):
        c.send_text(USER, "hi")
    with pytest.raises(ZcaNotFound):
        c.send_text(USER, "hi")


def test_timeout_table_matches_the_contract():
    assert TIMEOUTS["version"] == TIMEOUTS["auth status"] == 5
    assert TIMEOUTS["auth login --qr-base64"] == 30 and TIMEOUTS["auth logout"] == 10
    assert TIMEOUTS["friend list"] == TIMEOUTS["friend find"] == TIMEOUTS["group list"] == 15
    assert TIMEOUTS["group members"] == 20
    assert all(TIMEOUTS[f"msg {verb}"] == 30 for verb in ("send", "image", "video", "voice", "link"))


# --- quotes, local files, reactions ------------------------------------------------------------------

QUOTING = Capabilities(kind="openzca", version="0.1.58", parsed=True, raw=True, reply_message=True, upload=True,
                       react=True)
LINE = {"threadId": GID, "msgId": "7645530765413", "cliMsgId": "1774152529301", "content": "gửi báo giá",
        "msgType": "webchat", "senderId": UID, "chatType": "group", "ts": "1774152530188"}


def test_a_reply_quotes_the_listen_line_where_the_binary_can():
    c, runner = client((0, "", ""), caps=QUOTING)
    c.send_text(GROUP, "ok", quote=LINE)
    assert runner.argv == [*P, "msg", "send", "--raw", f"--reply-message={json.dumps(LINE, separators=(',', ':'))}",
                           "-g", "--", GID, "ok"]
    assert "\\u1eedi" in runner.argv[5]  # ASCII only: no lone surrogate can reach the argv


def test_without_reply_message_the_reply_goes_plain():
    c, runner = client((0, "", ""), caps=OLD_OPENZCA)
    c.send_text(GROUP, "ok", quote=LINE)
    assert runner.argv == [*P, "msg", "send", "--raw", "-g", "--", GID, "ok"]


@pytest.mark.parametrize("stderr", ["Error: Missing reply message msgType.",
                                    "Error: Reply message belongs to a different thread.",
                                    "Error: Invalid JSON for --reply-message: Unexpected token",
                                    "Error: This kind of `webchat` quote type is not available"])
def test_a_refused_quote_sends_the_reply_without_it(stderr, caplog):
    c, runner = client((1, "", stderr), (0, "", ""), caps=QUOTING)
    c.send_text(USER, "ok", quote=LINE)
    assert [argv[-1] for argv, _ in runner.calls] == ["ok", "ok"]
    assert not any(a.startswith("--reply-message") for a in runner.argv)
    assert "without its quote" in caplog.text


def test_a_failure_that_is_not_about_the_quote_is_not_resent():
    c, runner = client((1, "", "Error: Vượt quá số request cho phép"), caps=QUOTING)
    with pytest.raises(ZcaRateLimited):
        c.send_text(USER, "ok", quote=LINE)
    assert len(runner.calls) == 1


def test_a_listen_line_too_long_for_argv_is_cut_to_what_openzca_reads():
    huge = {**LINE, "content": "x" * 100_000, "metadata": {"mentions": ["y" * 1000] * 100}}
    c, runner = client((0, "", ""), (0, "", ""), caps=QUOTING)
    c.send_text(USER, "ok", quote=huge)
    sent = json.loads(runner.argv[5].removeprefix("--reply-message="))
    assert sent == {**LINE, "content": "x" * 2000}
    c.send_text(USER, "ok", quote={**LINE, "msgType": "z" * 100_000})  # even cut, too long: no quote
    assert not any(a.startswith("--reply-message") for a in runner.argv)


@pytest.mark.parametrize(
    ("caps", "kind", "argv"),
    [
        (QUOTING, "image", ["msg", "image", "-g", "--", GID, "/data/out/a/chart.png"]),
        (QUOTING, "file", ["msg", "upload", "-g", "--", "/data/out/a/chart.png", GID]),
        (QUOTING, "video", ["msg", "upload", "-g", "--", "/data/out/a/chart.png", GID]),
        (QUOTING, "voice", ["msg", "upload", "-g", "--", "/data/out/a/chart.png", GID]),
        (OLDEST, "file", ["msg", "image", "-g", "--", GID, "/data/out/a/chart.png"]),
        (OLDEST, "video", ["msg", "video", "-g", "--", GID, "/data/out/a/chart.png"]),
        (OLDEST, "voice", ["msg", "voice", "-g", "--", GID, "/data/out/a/chart.png"]),
    ],
)
def test_local_files_go_by_the_command_that_works_while_listening(caps, kind, argv):
    c, runner = client((0, "{ message: null, attachment: [ { msgId: 7645528516663 } ] }\n", ""), caps=caps)
    assert c.send_file(GROUP, "/data/out/a/chart.png", kind=kind) == SendResult("7645528516663")
    assert runner.argv == [*P, *argv]


def test_react_passes_the_code_after_the_end_of_options():
    c, runner = client((0, "{ msgIds: [ 7645528516670 ] }\n", ""), caps=QUOTING)
    c.react(GROUP, "7645530765413", "1774152529301", "--b")
    assert runner.argv == [*P, "msg", "react", "-g", "--", "7645530765413", "1774152529301", GID, "--b"]
    assert runner.timeout == TIMEOUTS["msg react"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.send_file(USER, "relative/a.pdf"), ValueError),
        (lambda c: c.send_file(USER, "/a.pdf", kind="sticker"), ValueError),
        (lambda c: c.react(USER, "1", "2", "HEART"), ValueError),  # a name, not a code
        (lambda c: c.react(USER, "x", "2", "/-heart"), ValueError),
        (lambda c: c.react(USER, "1", "2", "/-heart"), NotSupported),  # the binary has no msg react
    ],
)
def test_bad_file_and_reaction_calls_run_nothing(call, error):
    c, runner = client(caps=OPENZCA)
    with pytest.raises(error):
        call(c)
    assert runner.calls == []
