// Typed engine errors and the classification of whatever zca-js (or the network) throws.
//
// Every error that leaves the engine is {kind, code, message, delivery}:
//   kind      one of KINDS below; the Python side picks its exception class by it
//   code      Zalo's numeric error code when there was one (123, 221, ...), else null
//   delivery  "not_sent" when the request certainly did not reach Zalo (or Zalo refused it),
//             "unknown" when it may have been delivered (timeout, connection lost mid-request)

export const KINDS = Object.freeze([
  "bad_request", // the request itself is malformed (our caller's bug or hostile input)
  "bad_quote", // the message a reply quotes cannot be quoted; nothing was sent (the reply can go plain)
  "unsupported", // a valid request this engine cannot carry out
  "not_ready", // no logged-in session yet (or any more)
  "auth", // credentials missing, refused or expired: a new `zca auth login` is needed
  "blocked", // Zalo code 123: the peer blocks us, or the stranger limit
  "rate_limited", // Zalo code 221 (or -69 "Retry limit"): sending too fast
  "timeout", // no answer within the request's time limit
  "network", // Zalo could not be reached, or the connection broke
  "zalo", // any other error Zalo answered with
  "profile_locked", // another process owns the profile's session
  "not_installed", // Node or the zca-js package is missing
  "internal", // a bug in the engine
]);

export class EngineError extends Error {
  constructor(kind, message, { code = null, delivery = "not_sent" } = {}) {
    super(message);
    this.name = "EngineError";
    this.kind = kind;
    this.code = code;
    this.delivery = delivery;
  }
}

const BLOCKED_CODES = new Set([123]);
const RATE_CODES = new Set([221, -69]);
const AUTH_CODES = new Set([102]);

const BLOCKED_TEXT = /Không thể nhận tin nhắn/i;
const RATE_TEXT = /Vượt quá số request|rate.?limit|Retry limit/i;
const AUTH_TEXT =
  /zpw_sek|session key|not logged in|Đăng nhập thất bại|Missing required params|Khởi tạo ngữ cảnh/i;

// Network failures that happen before a request can have reached a server.
const UNREACHED = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const NETWORK = new Set([
  ...UNREACHED,
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ESOCKETTIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

function errnoOf(err) {
  for (let e = err, depth = 0; e && depth < 4; e = e.cause, depth += 1) {
    if (typeof e.code === "string") return e.code;
  }
  return "";
}

function textOf(err) {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

// Turn anything thrown into the wire form. `started` says whether a request to Zalo may already
// have gone out when it was thrown (decides "unknown" against "not_sent" for unclear failures).
export function classify(err, { started = false, duringLogin = false } = {}) {
  if (err instanceof EngineError) {
    return { kind: err.kind, code: err.code, message: err.message, delivery: err.delivery };
  }
  const message = textOf(err).slice(0, 1000);
  const code = err && typeof err.code === "number" && Number.isFinite(err.code) ? err.code : null;
  const errno = errnoOf(err);
  const refused = { code, message, delivery: "not_sent" };
  if (BLOCKED_CODES.has(code) || BLOCKED_TEXT.test(message)) return { kind: "blocked", ...refused };
  if (RATE_CODES.has(code) || RATE_TEXT.test(message)) return { kind: "rate_limited", ...refused };
  if (AUTH_CODES.has(code) || AUTH_TEXT.test(message)) return { kind: "auth", ...refused };
  if (NETWORK.has(errno) || /fetch failed|socket hang up/i.test(message)) {
    const delivery = started && !UNREACHED.has(errno) ? "unknown" : "not_sent";
    return { kind: "network", code, message: errno ? `${message} (${errno})` : message, delivery };
  }
  if (code !== null) return { kind: "zalo", ...refused };
  if (err && err.name === "ZaloApiError") {
    // zca-js raises these without a code for refusals it detects itself, e.g. a failed login.
    return { kind: duringLogin ? "auth" : "zalo", ...refused };
  }
  return { kind: "internal", code, message, delivery: started ? "unknown" : "not_sent" };
}
