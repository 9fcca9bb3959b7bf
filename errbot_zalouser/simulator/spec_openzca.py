"""The command tree of openzca 0.1.58, as its ``--help`` texts list it.

Every command and option of the real tool is declared, so help, usage errors and commander's
suggestions come out as the real ones do; the simulator implements only some of these commands
(``commands.HANDLERS``), the others exit 1 saying they are not simulated. The texts are data taken
from the tool's help output. ``-p`` after a subcommand is still the program's ``--profile`` (the
program parses its options anywhere), so ``listen -p`` never reaches ``--prefix``, as with the real
tool.
"""

from __future__ import annotations

from errbot_zalouser.simulator.cliparse import Argument, Command, Option


def C(name: str, summary: str, *, args: tuple[str, ...] = (), opts: tuple[Option, ...] = (),
      cmds: tuple[Command, ...] = (), aliases: tuple[str, ...] = ()) -> Command:
    return Command(name, summary, tuple(Argument(a) for a in args), opts, cmds, aliases)


O = Option  # noqa: E741 - one-letter aliases (C, O) keep this table of a hundred options readable
JSON = O("-j, --json", "JSON output")

PROGRAM = C("openzca", "Open-source zca-cli compatible wrapper powered by zca-js", opts=(
    O("-V, --version", "output the version number", version=True),
    O("-p, --profile <name>", "Profile name"),
    O("--debug", "Enable debug logging"),
    O("--debug-file <path>", "Debug log file path"),
), cmds=(
    C("account", "Multi-account profile management", cmds=(
        C("list", "List all account profiles", aliases=("ls",)),
        C("current", "Show current active profile", aliases=("whoami",)),
        C("switch", "Set default profile", args=("<name>",), aliases=("use",)),
        C("add", "Create a new profile", args=("[name]",), aliases=("new",)),
        C("label", "Set label for profile", args=("<name>", "<label>",)),
        C("remove", "Remove profile", args=("<name>",), aliases=("rm",)),
    )),
    C("auth", "Authentication and local cache", cmds=(
        C("login", "Login with QR code", opts=(
            O("-q, --qr-path <path>", "Save QR image path"),
            O("--open-qr", "Open QR image in default viewer (or set OPENZCA_QR_OPEN=1)"),
            O("--qr-base64", "Output QR code as data URL and return immediately (integration mode)"),
        )),
        C("login-cred", "Login using credential JSON file", args=("[file]",), aliases=("login-creds",)),
        C("logout", "Remove saved credentials from active profile"),
        C("status", "Show login status"),
        C("cache-refresh", "Refresh friends/groups cache"),
        C("cache-info", "Show cache metadata"),
        C("cache-clear", "Clear local cache"),
    )),
    C("db", "Profile-scoped SQLite message database", cmds=(
        C("enable", "Enable local SQLite persistence for the active profile", opts=(
            O("--path <path>", "Custom SQLite file path"),
        )),
        C("disable", "Disable automatic SQLite persistence for the active profile"),
        C("reset", "Delete the local SQLite DB for the active profile", opts=(
            O("-y, --yes", "Delete the SQLite DB file for the active profile"),
            O("--drop-config", "Also remove the DB config file"),
            JSON,
        )),
        C("status", "Show DB status for the active profile", opts=(JSON,)),
        C("me", "Query stored self profile data", cmds=(
            C("info", "Show stored self profile info", opts=(JSON,)),
            C("id", "Show stored self user ID"),
        )),
        C("group", "Query stored group data", cmds=(
            C("list", "List groups stored in the local DB", opts=(JSON,)),
            C("info", "Show stored info for a group", args=("<groupId>",), opts=(
                JSON,
            )),
            C("members", "List stored members for a group", args=("<groupId>",), opts=(
                JSON,
            )),
            C("messages", "List stored messages for a group", args=("<groupId>",), opts=(
                O("--since <duration>", "Rolling window ending now: duration like 30s, 7m, 24h, 7d, or 2w"),
                O("--from <time>", "Lower time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--until <time>", "Upper time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--to <time>", "Alias for --until"),
                O("--limit <count>", "Maximum number of rows"),
                O("--all", "Return all matching rows"),
                O("--oldest-first", "Sort oldest-first instead of newest-first"),
                JSON,
            )),
        )),
        C("contact", "Query stored contact data", cmds=(
            C("list", "List contacts stored in the local DB", opts=(JSON,)),
            C("find", "Find stored contacts by ID or name", args=("<query>",), opts=(
                JSON,
            )),
            C("info", "Show stored info for a contact", args=("<userId>",), opts=(
                JSON,
            )),
            C("messages", "List stored direct-message rows for a contact", args=("<userId>",), opts=(
                O("--since <duration>", "Rolling window ending now: duration like 30s, 7m, 24h, 7d, or 2w"),
                O("--from <time>", "Lower time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--until <time>", "Upper time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--to <time>", "Alias for --until"),
                O("--limit <count>", "Maximum number of rows"),
                O("--all", "Return all matching rows"),
                O("--oldest-first", "Sort oldest-first instead of newest-first"),
                JSON,
            )),
        )),
        C("friend", "Query stored confirmed friend contacts", cmds=(
            C("list", "List friends stored in the local DB", opts=(JSON,)),
            C("find", "Find stored friends by ID or name", args=("<query>",), opts=(
                JSON,
            )),
            C("info", "Show stored info for a friend", args=("<userId>",), opts=(
                JSON,
            )),
            C("messages", "List stored direct-message rows for a friend", args=("<userId>",), opts=(
                O("--since <duration>", "Rolling window ending now: duration like 30s, 7m, 24h, 7d, or 2w"),
                O("--from <time>", "Lower time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--until <time>", "Upper time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--to <time>", "Alias for --until"),
                O("--limit <count>", "Maximum number of rows"),
                O("--all", "Return all matching rows"),
                O("--oldest-first", "Sort oldest-first instead of newest-first"),
                JSON,
            )),
        )),
        C("chat", "Query stored conversation data", cmds=(
            C("list", "List chats stored in the local DB", opts=(JSON,)),
            C("info", "Show stored info for a chat", args=("<chatId>",), opts=(
                O("-g, --group", "Read as a group chat"),
                JSON,
            )),
            C("messages", "List stored messages for a chat", args=("<chatId>",), opts=(
                O("-g, --group", "Read as a group chat"),
                O("--since <duration>", "Rolling window ending now: duration like 30s, 7m, 24h, 7d, or 2w"),
                O("--from <time>", "Lower time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--until <time>", "Upper time bound: ISO timestamp, date, or unix seconds/ms"),
                O("--to <time>", "Alias for --until"),
                O("--limit <count>", "Maximum number of rows"),
                O("--all", "Return all matching rows"),
                O("--oldest-first", "Sort oldest-first instead of newest-first"),
                JSON,
            )),
        )),
        C("message", "Query stored messages", cmds=(
            C("get", "Read one stored message by msgId, cliMsgId, or internal uid", args=("<id>",), opts=(
                JSON,
            )),
        )),
        C("sync", "Sync discoverable data into the local DB", opts=(
            O("-n, --count <count>", "Recent DM/chat messages to fetch per window (default: \"200\")"),
            JSON,
        ), cmds=(
            C("all", "Sync full group history, friend directory, and recent DM/chat windows", opts=(
                O("-n, --count <count>", "Recent DM/chat messages to fetch per window (default: \"200\")"),
                JSON,
            )),
            C("groups", "Sync group directory, members, and full group history", opts=(
                JSON,
            )),
            C("friends", "Sync friend directory only", opts=(JSON,)),
            C("chats", "Sync discoverable chat windows (DM/chat sync is best-effort)", opts=(
                O("-n, --count <count>", "Recent messages to fetch per scan/window (default: \"200\")"),
                JSON,
            )),
            C("group", "Sync one group with full group history", args=("<groupId>",), opts=(
                JSON,
            )),
            C("chat", "Sync one chat (best-effort for direct-message history)", args=("<chatId>",), opts=(
                O("-n, --count <count>", "Recent messages to fetch for this chat (default: \"200\")"),
                JSON,
            )),
        )),
    )),
    C("msg", "Messaging commands", cmds=(
        C("send", (
            "Send text message with formatting (**bold** *italic* __bold__ ~~strike~~ {underline}text{/underline} "
            "{red}color{/red} {big}size{/big} lists indents). Group sends also resolve unique @Name/@userId mentions."
        ), args=("<threadId>", "<message>",), opts=(
            O("-g, --group", "Send to group"),
            O("--raw", "Send raw text without parsing formatting markers"),
            O("--reply-id <id>", "Reply using a stored DB message id/msgId/cliMsgId"),
            O("--reply-message <json>", "Reply using a raw message.data JSON object"),
        )),
        C("analyze-text", (
            "Build and analyze the exact text payload that msg send would hand to zca-js. "
            "Useful for pre-send chunking/debugging."
        ), args=("<threadId>", "<message>",), opts=(
            O("-g, --group", "Analyze as group text"),
            O("--raw", "Analyze raw text without parsing formatting markers"),
            JSON,
        )),
        C("image", "Send image(s) from file or URL", args=("<threadId>", "[file]",), opts=(
            O("-u, --url <url>", "Image URL (repeatable)", collect=True),
            O("-m, --message <message>", "Caption"),
            O("-g, --group", "Send to group"),
        )),
        C("video", "Send video(s) from file or URL", args=("<threadId>", "[file]",), opts=(
            O("-u, --url <url>", "Video URL (repeatable)", collect=True),
            O("-m, --message <message>", "Caption"),
            O("--thumbnail <pathOrUrl>", "Thumbnail image path or URL (optional)"),
            O("-g, --group", "Send to group"),
        )),
        C("voice", "Send voice message from file or URL", args=("<threadId>", "[file]",), opts=(
            O("-u, --url <url>", "Voice URL (repeatable)", collect=True),
            O("-g, --group", "Send to group"),
        )),
        C("sticker", "Send a sticker by sticker ID", args=("<threadId>", "<stickerId>",), opts=(
            O("-g, --group", "Send to group"),
        )),
        C("link", "Send link", args=("<threadId>", "<url>",), opts=(O("-g, --group", "Send to group"),)),
        C("card", "Send contact card", args=("<threadId>", "<contactId>",), opts=(
            O("-g, --group", "Send to group"),
        )),
        C("react", "React to a message", args=("<msgId>", "<cliMsgId>", "<threadId>", "<reaction>",), opts=(
            O("-g, --group", "React in group"),
        )),
        C("typing", "Send typing event", args=("<threadId>",), opts=(O("-g, --group", "Typing in group"),)),
        C("forward", "Forward text to multiple targets", args=("<message>", "<targets...>",), opts=(
            O("-g, --group", "Forward to groups"),
        )),
        C("delete", "Delete message", args=("<msgId>", "<cliMsgId>", "<uidFrom>", "<threadId>",), opts=(
            O("-g, --group", "Delete in group"),
            O("--only-me", "Delete only for yourself"),
        )),
        C("undo", "Recall your sent message", args=("<msgId>", "<cliMsgId>", "<threadId>",), opts=(
            O("-g, --group", "Undo in group"),
        )),
        C("edit", (
            "Edit message (compatibility shim: "
            "recall old message then resend new text)"
        ), args=("<msgId>", "<cliMsgId>", "<threadId>", "<message>",), opts=(
            O("-g, --group", "Edit in group"),
        )),
        C("upload", "Upload and send file(s)", args=("<arg1>", "[arg2]",), opts=(
            O("-u, --url <url>", "File URL (repeatable)", collect=True),
            O("-g, --group", "Upload in group"),
        )),
        C("recent", (
            "List recent messages "
            "(group uses direct history API when available)"
        ), args=("<threadId>",), opts=(
            O("-g, --group", "List recent messages for group thread"),
            O("-n, --count <count>", "Number of messages (default: \"20\")"),
            O("--source <source>", "Message source: live, db, or auto (default: \"live\")"),
            JSON,
        )),
        C("pin", "Pin conversation", args=("<threadId>",), opts=(
            O("-g, --group", "Pin group conversation"),
        )),
        C("unpin", "Unpin conversation", args=("<threadId>",), opts=(
            O("-g, --group", "Unpin group conversation"),
        )),
        C("list-pins", "List pinned conversations", opts=(JSON,)),
        C("member-info", "Get member/user profile info", args=("<userId>",), opts=(
            JSON,
        )),
    )),
    C("group", "Group management", cmds=(
        C("list", "List groups", opts=(JSON,)),
        C("info", "Get group info", args=("<groupId>",)),
        C("members", "List group members", args=("<groupId>",), opts=(JSON,)),
        C("create", "Create new group", args=("<name>", "<members...>",)),
        C("poll", "Group poll management", cmds=(
            C("create", "Create a poll in a group", args=("<groupId>",), opts=(
                O("-q, --question <text>", "Poll question"),
                O("-o, --option <text>", "Poll option (repeatable)", collect=True),
                O("--multi", "Allow multiple choices"),
                O("--allow-add-option", "Allow members to add new options"),
                O("--hide-vote-preview", "Hide results until the member votes"),
                O("--anonymous", "Hide voters"),
                O("--expire-ms <ms>", "Poll expiration time in milliseconds"),
            )),
            C("detail", "Get poll detail", args=("<pollId>",)),
            C("vote", "Vote on a group poll", args=("<pollId>",), opts=(
                O("-o, --option <id>", "Poll option id (repeatable)", collect=True),
            )),
            C("lock", "Close a poll", args=("<pollId>",)),
            C("share", "Share a poll", args=("<pollId>",)),
        )),
        C("rename", "Rename group", args=("<groupId>", "<name>",)),
        C("avatar", "Change group avatar", args=("<groupId>", "<file>",)),
        C("settings", "Update group settings", args=("<groupId>",), opts=(
            O("--lock-name", "Lock group name/avatar"),
            O("--unlock-name", "Unlock group name/avatar"),
            O("--sign-admin", "Highlight admin messages"),
            O("--no-sign-admin", "Disable admin message highlight"),
        )),
        C("add", "Add users to group", args=("<groupId>", "<userIds...>",)),
        C("remove", "Remove users from group", args=("<groupId>", "<userIds...>",)),
        C("add-deputy", "Promote deputy", args=("<groupId>", "<userId>",)),
        C("remove-deputy", "Demote deputy", args=("<groupId>", "<userId>",)),
        C("transfer", "Transfer ownership", args=("<groupId>", "<newOwnerId>",)),
        C("block", "Block member", args=("<groupId>", "<userId>",)),
        C("unblock", "Unblock member", args=("<groupId>", "<userId>",)),
        C("blocked", "List blocked members", args=("<groupId>",)),
        C("enable-link", "Enable invite link", args=("<groupId>",)),
        C("disable-link", "Disable invite link", args=("<groupId>",)),
        C("link-detail", "Get invite link detail", args=("<groupId>",)),
        C("join-link", "Join by invite link", args=("<linkId>",)),
        C("pending", "List pending member requests", args=("<groupId>",)),
        C("review", "Approve or deny pending request", args=("<groupId>", "<userId>", "<action>",)),
        C("leave", "Leave group", args=("<groupId>",)),
        C("disperse", "Disperse group", args=("<groupId>",)),
    )),
    C("friend", "Friend management", cmds=(
        C("list", "List all friends", opts=(JSON,)),
        C("find", "Find user by phone/username/name", args=("<query>",), opts=(
            JSON,
        )),
        C("online", "List online friends", opts=(JSON,)),
        C("recommendations", "Get recommendations", opts=(JSON,)),
        C("add", "Send friend request", args=("<userId>",), opts=(
            O("-m, --message <message>", "Request message (default: \"Hello!\")"),
        )),
        C("accept", "Accept friend request", args=("<userId>",)),
        C("reject", "Reject friend request", args=("<userId>",)),
        C("cancel", "Cancel sent friend request", args=("<userId>",)),
        C("sent", "List sent requests", opts=(JSON,)),
        C("request-status", "Request status for user", args=("<userId>",)),
        C("remove", "Remove friend", args=("<userId>",)),
        C("alias", "Set friend alias", args=("<userId>", "<alias>",)),
        C("remove-alias", "Remove friend alias", args=("<userId>",)),
        C("aliases", "List aliases", opts=(JSON,)),
        C("block", "Block user", args=("<userId>",)),
        C("unblock", "Unblock user", args=("<userId>",)),
        C("block-feed", "Block viewing your feed", args=("<userId>",)),
        C("unblock-feed", "Unblock viewing your feed", args=("<userId>",)),
        C("boards", "Get boards in conversation", args=("<conversationId>",), opts=(
            JSON,
        )),
    )),
    C("me", "Profile/account commands", cmds=(
        C("info", "Get account info", opts=(JSON,)),
        C("id", "Get own user ID"),
        C("update", "Update profile", opts=(
            O("--name <name>", "Display name"),
            O("--gender <gender>", "male|female"),
            O("--birthday <date>", "YYYY-MM-DD"),
        )),
        C("avatar", "Change profile avatar", args=("<file>",)),
        C("avatars", "List avatars", opts=(JSON,)),
        C("delete-avatar", "Delete avatar", args=("<id>",)),
        C("reuse-avatar", "Reuse previous avatar", args=("<id>",)),
        C("status", "Set online status (online|offline)", args=("<status>",)),
        C("last-online", "Get last online of a user", args=("<userId>",)),
    )),
    C("listen", "Listen for real-time incoming messages", opts=(
        O("-e, --echo", "Echo incoming text message"),
        O("-p, --prefix <prefix>", "Only process text starting with prefix"),
        O("-w, --webhook <url>", "POST message payload to webhook"),
        O("-r, --raw", "Output JSON line payload"),
        O("--db", "Force DB persistence for this listener session"),
        O("--no-db", "Disable DB persistence for this listener session"),
        O("-k, --keep-alive", "Auto restart listener on disconnect"),
        O("--supervised", "Supervisor mode (disable internal retry ownership; emit lifecycle events in --raw)"),
        O("--heartbeat-ms <ms>", "Lifecycle heartbeat interval in --supervised mode (default: 30000, 0 disables)"),
        O("--recycle-ms <ms>", "Force recycle listener after N ms (or use OPENZCA_LISTEN_RECYCLE_MS)"),
    )),
))
