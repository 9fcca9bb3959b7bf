"""The command tree of openzca 0.1.58: its commands, aliases, arguments, options and defaults.

Every command and option of the real tool is declared, so help, usage errors and commander's
suggestions name the same things the real ones do; the simulator implements only some of these
commands (``commands.HANDLERS``), the others exit 1 saying they are not simulated. The names,
placeholders and defaults are the tool's interface; the descriptions are ours (conformance tests
compare help texts by their structure, never by wording). ``-p`` after a subcommand is still the
program's ``--profile`` (the program parses its options anywhere), so ``listen -p`` never reaches
``--prefix``, as with the real tool.
"""

from __future__ import annotations

from errbot_zalouser.simulator import texts
from errbot_zalouser.simulator.cliparse import Argument, Command, Option


def C(name: str, summary: str, *, args: tuple[str, ...] = (), opts: tuple[Option, ...] = (),
      cmds: tuple[Command, ...] = (), aliases: tuple[str, ...] = ()) -> Command:
    return Command(name, summary, tuple(Argument(a) for a in args), opts, cmds, aliases)


O = Option  # noqa: E741 - one-letter aliases (C, O) keep this table of a hundred options readable
JSON = O("-j, --json", "Print JSON")
GROUP = O("-g, --group", "The thread is a group")
WINDOW = (  # the time window and paging of every `db ... messages`
    O("--since <duration>", "Only the last span of time, e.g. 30s, 7m, 24h, 7d, 2w"),
    O("--from <time>", "Earliest time: ISO date or time, or epoch seconds or ms"),
    O("--until <time>", "Latest time: ISO date or time, or epoch seconds or ms"),
    O("--to <time>", "Same as --until"),
    O("--limit <count>", "At most this many rows"),
    O("--all", "No row limit"),
    O("--oldest-first", "Oldest rows first (newest first otherwise)"),
    JSON,
)


def repeatable(flags: str, what: str) -> Option:
    """A value option given once per value."""
    return O(flags, f"{what}; give it again for more", collect=True)


def count(what: str, default: str) -> Option:
    """``-n, --count <count>`` with the default commander shows."""
    return O("-n, --count <count>", f'{what} (default: "{default}")')


PROGRAM = C("openzca", "A Zalo personal account from the shell (zca-sim playing openzca 0.1.58)", opts=(
    O("-V, --version", texts.VERSION_OPTION, version=True),
    O("-p, --profile <name>", "Which profile to use"),
    O("--debug", "Log debug detail"),
    O("--debug-file <path>", "Write the debug log to this file"),
), cmds=(
    C("account", "Profiles: list, pick, add, label, delete", cmds=(
        C("list", "Every profile", aliases=("ls",)),
        C("current", "The profile in use", aliases=("whoami",)),
        C("switch", "Make a profile the default", args=("<name>",), aliases=("use",)),
        C("add", "Make a profile", args=("[name]",), aliases=("new",)),
        C("label", "Give a profile a label", args=("<name>", "<label>",)),
        C("remove", "Delete a profile", args=("<name>",), aliases=("rm",)),
    )),
    C("auth", "Logging in, and the local friend and group cache", cmds=(
        C("login", "Log in by scanning a QR code", opts=(
            O("-q, --qr-path <path>", "Where the QR image goes"),
            O("--open-qr", "Show the QR image in the system viewer (or OPENZCA_QR_OPEN=1)"),
            O("--qr-base64", "Print the QR as a data: URL and return at once, for integrations"),
        )),
        C("login-cred", "Log in from a saved credentials JSON file", args=("[file]",), aliases=("login-creds",)),
        C("logout", "Forget this profile's credentials"),
        C("status", "Whether this profile is logged in"),
        C("cache-refresh", "Reload the friend and group lists"),
        C("cache-info", "Facts about the local cache"),
        C("cache-clear", "Empty the local cache"),
    )),
    C("db", "The per-profile SQLite message store", cmds=(
        C("enable", "Turn the SQLite store on for this profile", opts=(O("--path <path>", "Store file location"),)),
        C("disable", "Turn automatic SQLite storage off for this profile"),
        C("reset", "Remove this profile's SQLite store", opts=(
            O("-y, --yes", "Confirm: remove the file"),
            O("--drop-config", "Remove its settings file as well"),
            JSON,
        )),
        C("status", "State of this profile's store", opts=(JSON,)),
        C("me", "Your own profile, as stored", cmds=(
            C("info", "Stored profile details", opts=(JSON,)),
            C("id", "Stored own user id"),
        )),
        C("group", "Groups, as stored", cmds=(
            C("list", "Every stored group", opts=(JSON,)),
            C("info", "One stored group", args=("<groupId>",), opts=(JSON,)),
            C("members", "Who a stored group holds", args=("<groupId>",), opts=(JSON,)),
            C("messages", "What was said in a stored group", args=("<groupId>",), opts=WINDOW),
        )),
        C("contact", "Contacts, as stored", cmds=(
            C("list", "Every stored contact", opts=(JSON,)),
            C("find", "Stored contacts matching an id or a name", args=("<query>",), opts=(JSON,)),
            C("info", "One stored contact", args=("<userId>",), opts=(JSON,)),
            C("messages", "Direct messages with a stored contact", args=("<userId>",), opts=WINDOW),
        )),
        C("friend", "Confirmed friends, as stored", cmds=(
            C("list", "Every stored friend", opts=(JSON,)),
            C("find", "Stored friends matching an id or a name", args=("<query>",), opts=(JSON,)),
            C("info", "One stored friend", args=("<userId>",), opts=(JSON,)),
            C("messages", "Direct messages with a stored friend", args=("<userId>",), opts=WINDOW),
        )),
        C("chat", "Conversations, as stored", cmds=(
            C("list", "Every stored chat", opts=(JSON,)),
            C("info", "One stored chat", args=("<chatId>",), opts=(O("-g, --group", "The chat is a group"), JSON)),
            C("messages", "What was said in a stored chat", args=("<chatId>",), opts=(
                O("-g, --group", "The chat is a group"),
                *WINDOW,
            )),
        )),
        C("message", "Single stored messages", cmds=(
            C("get", "One stored message, by msgId, cliMsgId or row uid", args=("<id>",), opts=(JSON,)),
        )),
        C("sync", "Copy what the account can see into the store", opts=(
            count("Messages per DM or chat window", "200"),
            JSON,
        ), cmds=(
            C("all", "Groups with their whole history, the friend list, and recent DM and chat windows", opts=(
                count("Messages per DM or chat window", "200"),
                JSON,
            )),
            C("groups", "Group list, members and whole history", opts=(JSON,)),
            C("friends", "The friend list, nothing else", opts=(JSON,)),
            C("chats", "Visible chat windows (DM history only as far as reachable)", opts=(
                count("Messages per scan or window", "200"),
                JSON,
            )),
            C("group", "One group with its whole history", args=("<groupId>",), opts=(JSON,)),
            C("chat", "One chat (DM history only as far as reachable)", args=("<chatId>",), opts=(
                count("Messages for this chat", "200"),
                JSON,
            )),
        )),
    )),
    C("msg", "Sending and managing messages", cmds=(
        C("send", (
            "Send text. Unless --raw, markers like **bold**, *italic*, __bold__, ~~strike~~, {underline}x{/underline}, "
            "{red}x{/red}, {big}x{/big}, lists and indents become styles. In a group, @Name or @userId mentions a member."
        ), args=("<threadId>", "<message>",), opts=(
            GROUP,
            O("--raw", "Send the text as typed, markers included"),
            O("--reply-id <id>", "Quote a stored message (DB id, msgId or cliMsgId)"),
            O("--reply-message <json>", "Quote the message given as its raw message.data JSON"),
        )),
        C("analyze-text", (
            "Show the payload msg send would build for this text, with its sizes, without sending it "
            "(to check chunking)"
        ), args=("<threadId>", "<message>",), opts=(
            O("-g, --group", "Treat it as group text"),
            O("--raw", "Leave markers unparsed"),
            JSON,
        )),
        C("image", "Send images, from files or URLs", args=("<threadId>", "[file]",), opts=(
            repeatable("-u, --url <url>", "An image URL"),
            O("-m, --message <message>", "Text under the image"),
            GROUP,
        )),
        C("video", "Send videos, from files or URLs", args=("<threadId>", "[file]",), opts=(
            repeatable("-u, --url <url>", "A video URL"),
            O("-m, --message <message>", "Text under the video"),
            O("--thumbnail <pathOrUrl>", "Preview image, a file or a URL; optional"),
            GROUP,
        )),
        C("voice", "Send a voice message, from a file or a URL", args=("<threadId>", "[file]",), opts=(
            repeatable("-u, --url <url>", "A voice URL"),
            GROUP,
        )),
        C("sticker", "Send the sticker with this id", args=("<threadId>", "<stickerId>",), opts=(GROUP,)),
        C("link", "Send a URL as a link message", args=("<threadId>", "<url>",), opts=(GROUP,)),
        C("card", "Share a contact's card", args=("<threadId>", "<contactId>",), opts=(GROUP,)),
        C("react", "Put a reaction on a message", args=("<msgId>", "<cliMsgId>", "<threadId>", "<reaction>",),
          opts=(GROUP,)),
        C("typing", "Show the typing indicator", args=("<threadId>",), opts=(GROUP,)),
        C("forward", "Send one text to several threads", args=("<message>", "<targets...>",), opts=(
            O("-g, --group", "The targets are groups"),
        )),
        C("delete", "Remove a message", args=("<msgId>", "<cliMsgId>", "<uidFrom>", "<threadId>",), opts=(
            GROUP,
            O("--only-me", "Remove it on your side only"),
        )),
        C("undo", "Take back a message you sent", args=("<msgId>", "<cliMsgId>", "<threadId>",), opts=(GROUP,)),
        C("edit", "Replace a sent message: it is recalled, then the new text is sent",
          args=("<msgId>", "<cliMsgId>", "<threadId>", "<message>",), opts=(GROUP,)),
        C("upload", "Send files, from paths or URLs", args=("<arg1>", "[arg2]",), opts=(
            repeatable("-u, --url <url>", "A file URL"),
            GROUP,
        )),
        C("recent", "Latest messages of a thread (a group's come from the history API where it exists)",
          args=("<threadId>",), opts=(
              GROUP,
              count("How many", "20"),
              O("--source <source>", 'Where from: live, db or auto (default: "live")'),
              JSON,
          )),
        C("pin", "Keep a conversation at the top", args=("<threadId>",), opts=(GROUP,)),
        C("unpin", "Stop keeping a conversation at the top", args=("<threadId>",), opts=(GROUP,)),
        C("list-pins", "Conversations kept at the top", opts=(JSON,)),
        C("member-info", "Profile of a user or group member", args=("<userId>",), opts=(JSON,)),
    )),
    C("group", "Groups you are in", cmds=(
        C("list", "Your groups", opts=(JSON,)),
        C("info", "Details of a group", args=("<groupId>",)),
        C("members", "Who is in a group", args=("<groupId>",), opts=(JSON,)),
        C("create", "Start a group with these members", args=("<name>", "<members...>",)),
        C("poll", "Polls in groups", cmds=(
            C("create", "Start a poll in a group", args=("<groupId>",), opts=(
                O("-q, --question <text>", "What the poll asks"),
                repeatable("-o, --option <text>", "A choice"),
                O("--multi", "Voters may pick several choices"),
                O("--allow-add-option", "Members may add choices"),
                O("--hide-vote-preview", "Results stay hidden until a member votes"),
                O("--anonymous", "Nobody sees who voted"),
                O("--expire-ms <ms>", "How long the poll stays open, in ms"),
            )),
            C("detail", "Everything about a poll", args=("<pollId>",)),
            C("vote", "Cast a vote in a group poll", args=("<pollId>",), opts=(
                repeatable("-o, --option <id>", "A choice id"),
            )),
            C("lock", "End a poll", args=("<pollId>",)),
            C("share", "Share the poll with this id", args=("<pollId>",)),
        )),
        C("rename", "Give a group a new name", args=("<groupId>", "<name>",)),
        C("avatar", "Set a group's picture", args=("<groupId>", "<file>",)),
        C("settings", "Change how a group behaves", args=("<groupId>",), opts=(
            O("--lock-name", "Only admins may change the name and picture"),
            O("--unlock-name", "Any member may change the name and picture"),
            O("--sign-admin", "Mark messages from admins"),
            O("--no-sign-admin", "Stop marking messages from admins"),
        )),
        C("add", "Put users into a group", args=("<groupId>", "<userIds...>",)),
        C("remove", "Take users out of a group", args=("<groupId>", "<userIds...>",)),
        C("add-deputy", "Make a member a deputy admin", args=("<groupId>", "<userId>",)),
        C("remove-deputy", "Take a member's deputy role away", args=("<groupId>", "<userId>",)),
        C("transfer", "Hand the group to a new owner", args=("<groupId>", "<newOwnerId>",)),
        C("block", "Bar a member from the group", args=("<groupId>", "<userId>",)),
        C("unblock", "Lift a member's bar", args=("<groupId>", "<userId>",)),
        C("blocked", "Members barred from the group", args=("<groupId>",)),
        C("enable-link", "Turn the invite link on", args=("<groupId>",)),
        C("disable-link", "Turn the invite link off", args=("<groupId>",)),
        C("link-detail", "About the invite link", args=("<groupId>",)),
        C("join-link", "Join a group from its invite link", args=("<linkId>",)),
        C("pending", "Users waiting to be let in", args=("<groupId>",)),
        C("review", "Let a waiting user in, or turn them away", args=("<groupId>", "<userId>", "<action>",)),
        C("leave", "Quit a group", args=("<groupId>",)),
        C("disperse", "Dissolve a group", args=("<groupId>",)),
    )),
    C("friend", "Friends and friend requests", cmds=(
        C("list", "Your friends", opts=(JSON,)),
        C("find", "Look a user up by phone, username or name", args=("<query>",), opts=(JSON,)),
        C("online", "Friends online now", opts=(JSON,)),
        C("recommendations", "People Zalo suggests", opts=(JSON,)),
        C("add", "Ask a user to be friends", args=("<userId>",), opts=(
            O("-m, --message <message>", 'Text that goes with the request (default: "Hello!")'),
        )),
        C("accept", "Take a friend request", args=("<userId>",)),
        C("reject", "Turn a friend request down", args=("<userId>",)),
        C("cancel", "Withdraw a request you sent", args=("<userId>",)),
        C("sent", "Requests you sent", opts=(JSON,)),
        C("request-status", "Where a request with this user stands", args=("<userId>",)),
        C("remove", "Unfriend a user", args=("<userId>",)),
        C("alias", "Give a friend a nickname", args=("<userId>", "<alias>",)),
        C("remove-alias", "Drop a friend's nickname", args=("<userId>",)),
        C("aliases", "Every nickname you set", opts=(JSON,)),
        C("block", "Stop a user reaching you", args=("<userId>",)),
        C("unblock", "Let a blocked user reach you again", args=("<userId>",)),
        C("block-feed", "Hide your feed from a user", args=("<userId>",)),
        C("unblock-feed", "Show your feed to a user again", args=("<userId>",)),
        C("boards", "The boards of a conversation", args=("<conversationId>",), opts=(JSON,)),
    )),
    C("me", "Your own account", cmds=(
        C("info", "Your profile", opts=(JSON,)),
        C("id", "Your user id"),
        C("update", "Change your profile", opts=(
            O("--name <name>", "New display name"),
            O("--gender <gender>", "male or female"),
            O("--birthday <date>", "As YYYY-MM-DD"),
        )),
        C("avatar", "Set your picture", args=("<file>",)),
        C("avatars", "Your past pictures", opts=(JSON,)),
        C("delete-avatar", "Remove a past picture", args=("<id>",)),
        C("reuse-avatar", "Make a past picture current again", args=("<id>",)),
        C("status", "Appear online or offline", args=("<status>",)),
        C("last-online", "When a user was last seen online", args=("<userId>",)),
    )),
    C("listen", "Print incoming messages as they arrive", opts=(
        O("-e, --echo", "Answer each incoming text with the same text"),
        O("-p, --prefix <prefix>", "Ignore texts that do not start with this"),
        O("-w, --webhook <url>", "Also POST each message to this URL"),
        O("-r, --raw", "One JSON object per line"),
        O("--db", "Store messages in the DB for this run"),
        O("--no-db", "Do not store messages in the DB for this run"),
        O("-k, --keep-alive", "Reconnect by itself after a disconnect"),
        O("--supervised", "Leave reconnecting to a supervisor; with --raw, print lifecycle events"),
        O("--heartbeat-ms <ms>", "Lifecycle heartbeat period under --supervised; 0 turns it off, 30000 if not given"),
        O("--recycle-ms <ms>", "Restart the listener every N ms (also OPENZCA_LISTEN_RECYCLE_MS)"),
    )),
))
