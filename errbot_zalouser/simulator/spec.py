"""The `zca` command trees: the legacy surface here, openzca 0.1.58's in ``spec_openzca``.

The legacy tree is the subset of the old contract consumers used. Only its documented options
exist: ``msg voice`` has no ``-m``, so passing one fails as an unknown option, as it does with
commander. ``-p`` is the program's ``--profile`` everywhere, which is why ``listen`` only has the
long ``--prefix``. It reports usage errors without commander's suggestions or the help that
openzca 0.1.58 prints after them.
"""

from __future__ import annotations

from errbot_zalouser.simulator import surface, texts
from errbot_zalouser.simulator.cliparse import Argument, Command, Dialect, Option, Parser

JSON = Option("-j, --json", "Print JSON")
GROUP = Option("-g, --group", "Send to a group thread")
URL = Option("-u, --url <url...>", "Media URL(s)")
MESSAGE = Option("-m, --message <message>", "Text under the media")
THREAD = Argument("<threadId>", "User or group id")
FILE = Argument("[file]", "Local file path")

AUTH = Command(
    "auth",
    "Authentication",
    commands=(
        Command(
            "login",
            "Log in with a QR code",
            options=(
                Option("-q, --qr-path <path>", "Where to save the QR image"),
                Option("--qr-base64", "Print the QR as a data URL and finish the login in the background"),
            ),
        ),
        Command("status", "Whether you are logged in"),
        Command("logout", "Remove saved credentials"),
        Command("cache-refresh", "Refresh the friends and groups cache"),
    ),
)

ME = Command(
    "me",
    "Your own account",
    commands=(
        Command("info", "Show your profile", options=(JSON,)),
        Command("id", "Print your user id"),
    ),
)

FRIEND = Command(
    "friend",
    "Friends",
    commands=(
        Command("list", "List friends", options=(JSON,), aliases=("ls",)),
        Command("find", "Look a user up", (Argument("<query>", "Phone, username or name"),), (JSON,)),
    ),
)

GROUP_CMD = Command(
    "group",
    "Groups",
    commands=(
        Command("list", "Every group you are in", options=(JSON,), aliases=("ls",)),
        Command("members", "List members of a group", (Argument("<groupId>", "Group id"),), (JSON,)),
    ),
)

MSG = Command(
    "msg",
    "Send messages",
    commands=(
        Command("send", "Send a text message", (THREAD, Argument("<message>", "Text")), (GROUP,)),
        Command("image", "Send an image", (THREAD, FILE), (URL, MESSAGE, GROUP)),
        Command(
            "video",
            "Send a video",
            (THREAD, FILE),
            (URL, Option("--thumbnail <url>", "Thumbnail URL"), MESSAGE, GROUP),
        ),
        Command("voice", "Send a voice message", (THREAD, FILE), (URL, GROUP)),
        Command("link", "Send a link", (THREAD, Argument("<url>", "URL")), (GROUP,)),
        Command("typing", "Send a typing indicator", (THREAD,), (GROUP,)),
    ),
)

LISTEN = Command(
    "listen",
    "Listen for incoming messages",
    options=(
        Option("-e, --echo", "Echo messages back"),
        Option("--prefix <text>", "Only forward messages starting with this prefix"),
        Option("-w, --webhook <url>", "POST each message to a webhook"),
        Option("-r, --raw", "One JSON object per line"),
        Option("-k, --keep-alive", "Reconnect by itself after a disconnect"),
    ),
)

PROGRAM = Command(
    texts.PROGRAM,
    "Zalo personal account CLI (simulator)",
    options=(
        Option("-p, --profile <name>", "Profile to use"),
        Option("-V, --version", texts.VERSION_OPTION, version=True),
    ),
    commands=(AUTH, ME, FRIEND, GROUP_CMD, MSG, LISTEN),
)


def program(which: str = surface.OPENZCA) -> Command:
    """The root command of a surface."""
    if which == surface.LEGACY:
        return PROGRAM
    from errbot_zalouser.simulator import spec_openzca

    return spec_openzca.PROGRAM


def parser(which: str = surface.OPENZCA) -> Parser:
    """A parser for the whole `zca` command line of a surface."""
    if which == surface.LEGACY:
        return Parser(PROGRAM, texts.VERSION)
    return Parser(program(which), texts.OPENZCA_VERSION, Dialect(help_after_error=True, suggestions=True))


def leaf_commands(node: Command | None = None, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every runnable command of a tree (default: both surfaces) as its words, e.g. ``("msg", "send")``."""
    if node is None:
        both = leaf_commands(PROGRAM) + leaf_commands(program(surface.OPENZCA))
        return list(dict.fromkeys(both))
    if not node.commands:
        return [path]
    found: list[tuple[str, ...]] = []
    for child in node.commands:
        found += leaf_commands(child, (*path, child.name))
    return found
