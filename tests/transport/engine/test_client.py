"""EngineClient over the real engine program and the zca-js stand-in: ZcaClient's surface, typed errors."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path

import pytest

from errbot_zalouser.errors import (
    EngineLost,
    EngineNotInstalled,
    EngineUnavailable,
    ZcaBlocked,
    ZcaCommandFailed,
    ZcaNotAuthenticated,
    ZcaNotFound,
    ZcaQuoteRefused,
    ZcaRateLimited,
    ZcaTimeout,
)
from errbot_zalouser.model import SendResult, Target, ZaloGroup, ZaloUser
from errbot_zalouser.richtext.styled import StyledText
from errbot_zalouser.transport.engine.client import ENGINE_KIND, EngineClient, engine_capabilities
from errbot_zalouser.transport.engine.listener import EngineListener
from errbot_zalouser.transport.engine.protocol import MentionRange, StyleRange
from errbot_zalouser.transport.interface import quoted_line
from errbot_zalouser.transport.listener import ListenerSettings

FRIEND = "2947718306652210431"  # Nguyễn Văn An in the default seed
GROUP = "6920154873301128374"  # "Gia đình"


@pytest.fixture
def client(make_engine) -> EngineClient:
    return EngineClient(make_engine(), "default")


@pytest.fixture
def web(web: str, www: Path) -> str:
    """The shared local web server, with a cat.jpg."""
    (www / "cat.jpg").write_bytes(b"\xff\xd8\xff" + b"j" * 2000)
    return web


def test_directory_calls_return_model_values(client, fake):
    assert client.version().startswith("zca-js 2.1.2-fake (engine 1.0.0, node ")
    assert client.is_authenticated() is True
    me = client.me_info()
    assert isinstance(me, ZaloUser) and me.user_id == fake.me["userId"]
    friends = client.friend_list()
    assert [f.user_id for f in friends] == [f["userId"] for f in fake.friends]
    groups = client.group_list()
    assert all(isinstance(g, ZaloGroup) for g in groups) and {g.group_id for g in groups} == {
        g["groupId"] for g in fake.groups}
    members = client.group_members(GROUP)
    assert {m.user_id for m in members} == {m["userId"] for m in fake.members[GROUP]}
    assert all(m.display_name for m in members)


@pytest.mark.parametrize(("query", "found"), [("84912345001", FRIEND), ("an.nguyen", FRIEND), ("Văn An", FRIEND)])
def test_friend_find_tries_phone_then_username_then_names(client, fake, query, found):
    row = next(f for f in fake.friends if f["userId"] == FRIEND)
    fake.add_friends([{**row, "phoneNumber": "84912345001", "username": "an.nguyen"}])
    assert [u.user_id for u in client.friend_find(query)][:1] == [found]


def test_one_login_for_every_call_and_the_update_check_is_off(client, fake):
    for i in range(5):
        client.send_text(Target(FRIEND), f"message {i}")
    client.friend_list()
    (login,) = fake.logins()
    assert login["options"] == {"selfListen": False, "checkUpdate": False, "logging": False}
    assert client.engine.stats.starts == 1


def test_text_goes_out_verbatim(client, fake):
    text = "**not bold** - 1. {red}x{/red} 😀"
    result = client.send_text(Target(FRIEND), text)
    (row,) = fake.sent()
    assert isinstance(result, SendResult) and result.message_id == row["msgId"]
    assert (row["text"], row["styles"], row["mentions"], row["quote"], row["isGroup"]) == (text, [], [], None, False)


def test_styles_mentions_and_a_quote_reach_zca_js(make_engine, fake):
    engine = make_engine()
    client = EngineClient(engine, "default")
    events = []
    listener = EngineListener(engine, "default", events.append, settings=ListenerSettings())
    listener.start()
    fake.inject_group(GROUP, FRIEND, "ai giúp với?")
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.02)
    text = "😀 Chào @An, xem đây"
    client.send_styled(Target(GROUP, is_group=True), text,
                       styles=[StyleRange(2, 4, "b"), StyleRange(0, len(text), "c_15a85f")],
                       mentions=[MentionRange(7, 3, FRIEND)], quote=events[0])
    row = fake.wait_sent(1)[-1]
    assert row["styles"] == [{"start": 3, "len": 4, "st": "b"}, {"start": 0, "len": len(text) + 1, "st": "c_15a85f"}]
    assert row["mentions"] == [{"pos": 8, "len": 3, "uid": FRIEND}]
    quote = row["quote"]
    assert (quote["msgId"], quote["uidFrom"], quote["content"], quote["msgType"]) == (
        events[0].msg_id, FRIEND, "ai giúp với?", "webchat")


def test_a_quote_from_a_listen_line_the_engine_never_saw(client, fake):
    line = {"threadId": FRIEND, "msgId": "7712003400001", "cliMsgId": "1774000000001", "ts": "1774000000002",
            "msgType": "webchat", "senderId": FRIEND, "content": "hỏi\n[reply context: Bot: trước]"}
    client.send_styled(Target(FRIEND), "trả lời", quote=line)
    quote = fake.sent()[-1]["quote"]
    assert (quote["content"], quote["uidFrom"], quote["ts"]) == ("hỏi", FRIEND, "1774000000002")
    with pytest.raises(ZcaQuoteRefused, match="different thread"):
        client.send_styled(Target(GROUP, is_group=True), "x", quote=line)
    with pytest.raises(ZcaQuoteRefused, match="quote: content is missing"):
        client.send_styled(Target(FRIEND), "x", quote={"msgId": "1"})
    with pytest.raises(ZcaQuoteRefused, match=r"group\.poll message cannot be quoted"):
        client.send_styled(Target(FRIEND), "x", quote={**line, "msgType": "group.poll"})
    assert len(fake.sent()) == 1  # a refused quote sends nothing


@pytest.mark.parametrize("quote", [{"msgId": "1"}, {"threadId": GROUP, "msgId": "7712003400001"},
                                   {"msgId": "7712003400001", "cliMsgId": "1", "ts": "2", "senderId": FRIEND,
                                    "msgType": "webchat", "content": {"title": "not text"}}])
def test_send_text_with_a_quote_the_engine_refuses_goes_plain(client, fake, quote):
    """As ZcaClient does with a refused --reply-message: the reply is not lost, only its quote."""
    client.send_text(Target(FRIEND), "trả lời", quote=quote)
    [row] = fake.wait_sent(1)
    assert (row["text"], row["quote"]) == ("trả lời", None)


def test_send_text_quotes_a_listen_line_as_the_outbox_gives_it(client, fake):
    line = quoted_line({"threadId": FRIEND, "msgId": "7712003400009", "cliMsgId": "1774000000009",
                        "ts": "1774000000010", "msgType": "chat.photo", "senderId": FRIEND, "content": "ảnh",
                        "mediaPath": "/not/sent/along"})
    client.send_text(Target(FRIEND), StyledText("ok", (StyleRange(0, 2, "b"),)), quote=line)
    [row] = fake.wait_sent(1)
    assert row["styles"] == [{"start": 0, "len": 2, "st": "b"}]
    assert {k: row["quote"][k] for k in ("msgId", "cliMsgId", "msgType", "uidFrom", "ts")} == {
        "msgId": "7712003400009", "cliMsgId": "1774000000009", "msgType": "chat.photo", "uidFrom": FRIEND,
        "ts": "1774000000010"}


@pytest.mark.parametrize(
    ("target", "kwargs", "message"),
    [
        (Target(FRIEND), {"mentions": [MentionRange(0, 2, FRIEND)]}, "only possible in a group"),
        (Target(GROUP, True), {"mentions": [MentionRange(0, 2, FRIEND), MentionRange(1, 2, FRIEND)]}, "overlap"),
        (Target("not-an-id"), {}, "threadId must be a Zalo id"),
    ],
)
def test_the_engine_refuses_bad_requests_and_sends_nothing(client, fake, target, kwargs, message):
    with pytest.raises(ZcaCommandFailed, match=message):
        client.send_styled(target, "hello", **kwargs)
    assert fake.sent() == []


def test_media_links_typing_and_reactions(client, fake, web, tmp_path):
    client.send_media(Target(FRIEND), "image", f"{web}/cat.jpg", caption="mèo")
    client.send_media(Target(GROUP, is_group=True), "voice", "https://f1.zdn.vn/v/a.m4a", caption="not sent")
    local = tmp_path / "báo cáo.pdf"
    local.write_bytes(b"%PDF-1.4 test")
    client.send_file(Target(FRIEND), str(local))
    client.send_link(Target(FRIEND), "https://vnexpress.net/")
    client.send_typing(Target(GROUP, is_group=True))
    client.react(Target(FRIEND), "7712003400123", "1774000000123", "/-heart")
    client.react(Target(FRIEND), "7712003400123", "1774000000123", "")  # taken back
    image, voice, document, link, typing, react, unreact = fake.wait_sent(7)
    assert (image["command"], image["text"], image["attachments"]) == ("image", "mèo", [{"fileName": "cat.jpg", "size": 2003}])
    assert (voice["command"], voice["url"], voice["isGroup"]) == ("voice", "https://f1.zdn.vn/v/a.m4a", True)
    assert (document["command"], document["attachments"][0]["fileName"]) == ("upload", "báo cáo.pdf")
    assert (link["command"], link["url"]) == ("link", "https://vnexpress.net/")
    assert (typing["command"], typing["threadId"]) == ("typing", GROUP)
    assert (react["command"], react["icon"], react["target"]) == (
        "react", "/-heart", {"msgId": "7712003400123", "cliMsgId": "1774000000123"})
    assert (unreact["command"], unreact["icon"]) == ("react", "")
    assert not list(Path("/tmp").glob("zalouser-engine-*/cat.jpg"))  # the download was removed


@pytest.mark.parametrize(("kind", "command", "name"), [("image", "image", "chart.png"), ("video", "video", "clip.mp4"),
                                                     ("voice", "upload", "note.m4a"), ("file", "upload", "a.pdf")])
def test_a_local_file_goes_as_its_kind_and_a_voice_file_as_a_file(client, fake, tmp_path, kind, command, name):
    """zca-js sends voice messages by URL only: a local one is uploaded as a file, as `msg upload` does."""
    local = tmp_path / name
    local.write_bytes(b"x" * 10)
    client.send_file(Target(GROUP, is_group=True), str(local), kind=kind)
    [row] = fake.wait_sent(1)
    assert (row["command"], row["attachments"]) == (command, [{"fileName": name, "size": 10}])


def test_a_file_by_url_goes_through_send_media_as_the_outbox_sends_it(client, fake, web, www):
    """The outbox hands every media item to ``send_media`` (kind "file" too, as with ZcaClient);
    the file keeps its name, percent-escapes decoded."""
    (www / "báo-cáo.pdf").write_bytes(b"%PDF-1.4 " + b"x" * 91)
    client.send_media(Target(GROUP, is_group=True), "file", f"{web}/b%C3%A1o-c%C3%A1o.pdf", caption="bản gốc")
    [row] = fake.wait_sent(1)
    assert (row["command"], row["isGroup"], row["text"]) == ("upload", True, "bản gốc")
    assert row["attachments"] == [{"fileName": "báo-cáo.pdf", "size": 100}]  # decoded, and readable


def test_capabilities_describe_the_engine_and_its_version_once_known(client):
    before = client.capabilities
    assert (before.kind, before.version) == (ENGINE_KIND, "")  # nothing started: no version yet
    assert before.native_formatting and before.upload and not before.self_splitting and not before.group_mentions
    version = client.version()
    assert client.capabilities == engine_capabilities(version)  # what status compares with version()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c, web: c.send_media(Target(FRIEND), "image", f"{web}/missing.jpg"), "HTTP 404"),
        (lambda c, web: c.send_media(Target(FRIEND), "image", "ftp://example.org/a.jpg"), "http or https"),
        (lambda c, web: c.send_file(Target(FRIEND), "/nonexistent/file.pdf"), "existing file"),
        (lambda c, web: c.engine.call("react", {"threadId": FRIEND, "isGroup": False, "msgId": "1", "cliMsgId": "2",
                                                "reaction": "not-a-reaction"}, timeout=10), "unknown reaction"),
    ],
)
def test_bad_media_and_reactions_fail_cleanly(client, fake, web, call, message):
    with pytest.raises((ZcaCommandFailed, EngineUnavailable), match=message):
        call(client, web)
    assert fake.sent() == []


def test_surface_checks_match_zca_client(client):
    with pytest.raises(ValueError):
        client.send_text(Target(FRIEND), "   ")
    with pytest.raises(ValueError):
        client.send_media(Target(FRIEND), "sticker", "https://x/y")
    with pytest.raises(ValueError):
        client.friend_find(" ")
    with pytest.raises(ValueError, match="reaction code"):
        client.react(Target(FRIEND), "1", "2", "❤️")  # the outbox gives codes (model.reaction.reaction_code)
    with pytest.raises(ValueError, match="message id"):
        client.react(Target(FRIEND), "x", "2", "/-heart")
    with pytest.raises(ValueError, match="absolute"):
        client.send_file(Target(FRIEND), "relative/a.pdf")
    with pytest.raises(ValueError, match="file kind"):
        client.send_file(Target(FRIEND), "/a.pdf", kind="sticker")
    with pytest.raises(ValueError):
        client.group_members("")
    with pytest.raises(ZcaCommandFailed, match="zca command-line tool"):
        client.logout()


def test_login_and_logout_are_delegated_to_the_cli_client(make_engine):
    calls = []

    class Cli:
        def login_args(self, qr_base64=False):
            calls.append(("login_args", qr_base64))
            return ["--profile", "default", "auth", "login"]

        def logout(self):
            calls.append(("logout",))

    client = EngineClient(make_engine(), "default", cli=Cli())  # type: ignore[arg-type]  # a stand-in with only the methods used
    assert client.login_args(qr_base64=True) == ["--profile", "default", "auth", "login"]
    client.logout()
    assert calls == [("login_args", True), ("logout",)]


ZALO_ERRORS = [
    ("fail_blocked", ZcaBlocked, 123, False),
    ("fail_rate_limited", ZcaRateLimited, 221, True),
    ("fail_auth", ZcaNotAuthenticated, 102, False),
]


@pytest.mark.parametrize(("fault", "cls", "code", "retryable"), ZALO_ERRORS)
def test_zalo_errors_keep_their_code_and_type(client, fake, fault, cls, code, retryable):
    client.is_authenticated()
    getattr(fake, fault)("msg send")
    with pytest.raises(cls) as info:
        client.send_text(Target(FRIEND), "hello")
    assert info.value.zalo_code == code and info.value.retryable is retryable
    assert f"(Zalo code {code})" in str(info.value)
    assert fake.sent() == []
    client.send_text(Target(FRIEND), "again")  # the session is still fine
    assert len(fake.sent()) == 1


@pytest.mark.parametrize(("errno", "cls"), [("ECONNRESET", EngineLost), ("ECONNREFUSED", EngineUnavailable)])
def test_network_errors_say_whether_the_message_may_have_gone(client, fake, errno, cls):
    client.is_authenticated()
    fake.fail_network("msg send", errno=errno)
    with pytest.raises(cls) as info:
        client.send_text(Target(FRIEND), "hello")
    assert ("unknown whether" in str(info.value)) == (cls is EngineLost)
    assert errno in str(info.value)


def test_a_hung_send_times_out_as_unknown_and_its_late_outcome_is_logged(make_engine, fake, caplog):
    client = EngineClient(make_engine(), "default", send_timeout=1.0)
    client.is_authenticated()
    fake.hang("msg send", 2.0)
    caplog.set_level(logging.WARNING, logger="errbot_zalouser.transport.engine.engine")
    started = time.monotonic()
    with pytest.raises(ZcaTimeout, match=r"unknown whether it was (sent|delivered)"):
        client.send_text(Target(FRIEND), "slow")
    assert time.monotonic() - started < 10.0  # bounded by the send timeout, not by the 2 s hang
    fake.wait_sent(1, timeout=5)
    deadline = time.monotonic() + 5
    while "was delivered after all" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "was delivered after all" in caplog.text
    assert client.send_text(Target(FRIEND), "fast").message_id  # the engine is fine


def test_a_logged_out_profile_is_not_authenticated_and_sends_fail_fast(make_engine, fake):
    fake.set_logged_in(False)
    client = EngineClient(make_engine(), "default")
    assert client.is_authenticated() is False
    started = time.monotonic()
    with pytest.raises(ZcaNotAuthenticated, match="login failed"):
        client.send_text(Target(FRIEND), "hello")
    assert time.monotonic() - started < 10.0  # at once, not after the 30 s send timeout


def test_missing_credentials_name_the_command_that_fixes_them(make_engine, fake):
    fake.credentials_path.unlink()
    client = EngineClient(make_engine(), "default")
    with pytest.raises(ZcaNotAuthenticated, match=r"has no stored credentials .*zca --profile default auth login"):
        client.send_text(Target(FRIEND), "hello")
    assert fake.logins() == []


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_unreadable_credentials_are_an_auth_error(make_engine, fake, content):
    fake.credentials_path.write_text(content)
    with pytest.raises(ZcaNotAuthenticated, match="credentials file"):
        EngineClient(make_engine(), "default").me_info()


def test_incomplete_credentials_are_refused_by_zca_js(make_engine, fake):
    fake.write_credentials(imei="")
    with pytest.raises(ZcaNotAuthenticated, match="Missing required params"):
        EngineClient(make_engine(), "default").me_info()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"zca_js": "/nonexistent/zca-js"}, "python -m errbot_zalouser engine install"),
        ({"node": "/nonexistent/node"}, "install Node.js 18 or newer"),
    ],
)
def test_a_missing_engine_is_zca_not_found_with_the_fix(make_engine, changes, message):
    client = EngineClient(make_engine(**changes), "default")
    with pytest.raises(EngineNotInstalled, match=message) as info:
        client.version()
    assert isinstance(info.value, ZcaNotFound)
    with pytest.raises(EngineNotInstalled):
        client.is_authenticated()


def test_login_that_never_answers_is_bounded(make_engine, fake):
    fake.set_login(fail="hang")
    engine = make_engine(login_timeout=1.0)
    client = EngineClient(engine, "default")
    started = time.monotonic()
    assert client.is_authenticated() is False
    assert time.monotonic() - started < 30.0  # bounded: the login never answers at all
    with contextlib.suppress(Exception):
        engine.stop()
