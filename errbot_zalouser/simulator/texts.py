"""Strings `zca-sim` prints, in one place so tests and consumers can import them.

The output lines a client reads follow the `zca` contract: openzca's stdout/stderr lines,
commander's usage errors and the Zalo server texts seen on stderr. Help descriptions are our
own words: only a help text's structure (usage, flags, commands) is interface.
Strings with ``{placeholders}`` are ``str.format`` templates.
"""

from __future__ import annotations

VERSION = "0.1.20"  # the legacy surface
OPENZCA_VERSION = "0.1.58"
PROGRAM = "zca"  # the legacy surface's program name; openzca's help always says "openzca"

# --- Zalo server texts (zca-js error messages, printed on stderr by a failing command) ---------
RATE_LIMIT_TEXT = "Vượt quá số request cho phép"
BLOCKED_TEXT = "Không thể nhận tin nhắn từ bạn."
RETRY_LIMIT_TEXT = "Retry limit"
SESSION_INVALID_TEXT = "zpw_sek bị thiếu hoặc không đúng"
QR_REJECTED_TEXT = "Mã QR đăng nhập không hợp lệ"

# --- runtime errors (stderr, exit 1) ------------------------------------------------------------
ERROR = "Error: {message}"
NOT_LOGGED_IN = "Error: Profile {profile}: not logged in"  # auth status (and every command on legacy)
NO_CREDENTIALS = 'Error: Profile "{profile}" has no credentials. Run: auth login'  # 0.1.58, other commands
NOT_SIMULATED = "Error: zca-sim does not simulate `{command}`"
SEND_TIMEOUT_TEXT = "read ETIMEDOUT"  # what a timed-out submission reports (openzca retries it)
MISSING_CONTENT = "Missing message content"
FILE_NOT_FOUND = "File not found: {path}"
NO_IMAGE = "Provide at least one image file or --url."
NO_VIDEO = "Provide at least one video file or --url."
NO_VOICE = "Provide a voice file or --url."
NO_UPLOAD = "Provide file and threadId (upload <file> <threadId>) or use --url."
NO_VOICE_ATTACHMENT = "No valid voice attachment generated. Use an audio file (e.g. .aac, .mp3, .m4a, .wav, .ogg)."
OWNER_BLOCKS = ('Active listener owner detected for profile "{profile}" (pid {pid}), but {what} IPC is unavailable. '
                "Restart `openzca listen` with latest version or set OPENZCA_UPLOAD_ENFORCE_SINGLE_OWNER=0 "
                "to allow fallback listener startup.")
UNSUPPORTED_REACTION = 'Unsupported reaction "{reaction}". Use emoji (e.g. ❤️) or one of Reactions enum values.'
QUOTE_OBJECT_WEBCHAT = "This kind of `webchat` quote type is not available"
QUOTE_POLL = "The `group.poll` quote type is not available"
GROUP_NOT_FOUND = "Error: Group not found: {group_id}"
NO_MEDIA = "Error: Provide at least one file or --url"
INVALID_PROFILE = "Error: Invalid profile name: {profile}"
DEFAULT_FAILURE = "Error: simulated failure"

# --- commander usage errors (stderr, exit 1) ----------------------------------------------------
UNKNOWN_OPTION = "error: unknown option '{option}'"
UNKNOWN_COMMAND = "error: unknown command '{command}'"
MISSING_ARGUMENT = "error: missing required argument '{name}'"
OPTION_ARGUMENT_MISSING = "error: option '{flags}' argument missing"
TOO_MANY_ARGUMENTS = "error: too many arguments for '{command}'. Expected {expected} argument{s} but got {got}."

# --- help entries every command has (descriptions in our words; the flags are commander's) ------
HELP_OPTION = "Show this help"
HELP_COMMAND = "Show the help of a command"
VERSION_OPTION = "Print the version"

# --- auth -------------------------------------------------------------------------------------
QR_SCAN_PROMPT = "Scan this QR in your Zalo app:"
QR_SCAN_HINT = "Scan the QR code above with Zalo app to login."
QR_SAVED = "QR code saved to: {path}"
QR_SCANNED = "Scanned by: {name}"
QR_DECLINED = "QR login declined on phone. Retry by running auth login again."
QR_EXPIRED = "QR expired. Retrying..."
LOGGED_IN = "Logged in profile {profile} as {name} ({user_id})"
CACHE_REFRESHED = "Cache refreshed: {friends} friends, {groups} groups"
CACHE_REFRESHED_FOR = "Cache refreshed for {profile}: {friends} friends, {groups} groups"
LOGGED_OUT = "Logged out profile {profile}"
QR_DATA_URL_PREFIX = "data:image/png;base64,"

# --- listen ---------------------------------------------------------------------------------------
LISTEN_BANNER = "Listening... Press Ctrl+C to stop."
CONNECTED_BANNER = "Connected to Zalo websocket."
LISTENER_CLOSED = "Listener closed ({code}) {reason}"  # 0.1.58 keeps the trailing space of an empty reason
LISTENER_ERROR = "Listener error: {message}"
RECYCLE = "Listener recycle triggered after {ms}ms to prevent stale session."
SUPERVISED_KEEPALIVE = "Warning: --supervised ignores internal --keep-alive reconnect ownership."
NON_NEGATIVE = "Error: {label} must be a non-negative number."

# --- "noise" knob: log lines some builds print before JSON (contract section 2) ---------------
NOISE_LINES = (
    "[INFO] Loading cache...",
    "\x1b[32m[INFO]\x1b[39m Using profile \x1b[1m{profile}\x1b[22m",
    "\x1b[90m[DEBUG] cache hit: {count} rows\x1b[39m",
)

# --- msg stdout shapes (contract section 3.4); the first is the default -------------------------
SEND_SHAPES = ("message_id", "message id", "bare", "inspect", "empty")
