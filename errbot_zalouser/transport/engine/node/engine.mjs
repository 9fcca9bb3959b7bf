// errbot-zalouser's persistent zca-js engine: one process per Zalo account, holding one logged-in
// session for both listening and sending. It speaks newline-delimited JSON: requests on stdin,
// responses and events on stdout, human-readable log lines on stderr. docs/engine-protocol.md
// describes the protocol; the Python side is errbot_zalouser/transport/engine/.
//
// Start-up: take the profile's owner lock, load zca-js, say hello, log in with the credentials
// `zca auth login` stored, then serve. It exits when stdin ends, when its parent process is
// gone, on SIGTERM/SIGINT, when the websocket closes for good, or on a fatal start-up error.

import fs from "node:fs";
import crypto from "node:crypto";

import { readConfig } from "./lib/config.mjs";
import { EngineError, classify } from "./lib/errors.mjs";
import { listenLine, reactionEvent, undoEvent } from "./lib/listen-line.mjs";
import { acquireLock, pidAlive } from "./lib/lock.mjs";
import { OPERATIONS } from "./lib/ops.mjs";
import { loadZcaModule, login, readCredentials, withTimeout } from "./lib/session.mjs";
import { timeout as checkTimeout } from "./lib/validate.mjs";
import { PROTOCOL, createWriter, quietConsole, readLines } from "./lib/wire.mjs";

export const ENGINE_VERSION = "1.0.0";

// Exit codes (the Python side reads them together with the last `fatal` event).
const EXIT = { OK: 0, CONFIG: 2, LOCKED: 3, NOT_INSTALLED: 4, LOGIN_FAILED: 5, CLOSED: 6, PARENT_GONE: 7, INTERNAL: 70 };
const MAX_QUEUED = 1_000;
const MAX_RECENT = 2_000;
const MAX_ID = 100;

quietConsole();
const out = createWriter(process.stdout);
const log = (text) => process.stderr.write(`${text}\n`);

const engine = {
  state: "starting", // starting -> logging_in -> ready -> stopping
  config: null,
  lock: null,
  shared: null, // what every request's session view inherits: api, module facts, config, recent
  queued: [],
  inFlight: new Map(),
  listening: false,
  attached: false, // the zca-js listener's handlers are in place
  connected: false,
  timers: [],
};

function record(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : null;
}

// --- requests -------------------------------------------------------------------------------

function onLine(text) {
  if (!text.trim()) return;
  let request;
  try {
    request = JSON.parse(text);
  } catch {
    out.event("protocol_error", { message: "a request line is not JSON" });
    return;
  }
  const id = record(request)?.id;
  if (typeof id !== "string" || !id || id.length > MAX_ID) {
    out.event("protocol_error", { message: `a request has no id (a string of 1 to ${MAX_ID} characters)` });
    return;
  }
  if (engine.inFlight.has(id) || engine.queued.some((r) => r.id === id)) {
    out.fail(id, classify(new EngineError("bad_request", "a request with this id is already in progress")));
    return;
  }
  handle(id, request.op, record(request.args) ?? {});
}

function handle(id, op, args) {
  if (op === "ping") return out.reply(id, { pong: true, state: engine.state });
  if (op === "status") return out.reply(id, status());
  if (op === "shutdown") {
    out.reply(id, {});
    return shutdown(EXIT.OK, "asked to shut down");
  }
  if (op !== "listen" && !Object.hasOwn(OPERATIONS, op)) {
    return out.fail(id, classify(new EngineError("unsupported", `unknown op ${JSON.stringify(String(op)).slice(0, 80)}`)));
  }
  if (engine.state === "stopping") {
    return out.fail(id, classify(new EngineError("not_ready", "the engine is shutting down")));
  }
  if (engine.state !== "ready") {
    if (engine.queued.length >= MAX_QUEUED) {
      return out.fail(id, classify(new EngineError("not_ready", "not logged in yet, and too many requests are waiting")));
    }
    engine.queued.push({ id, op, args });
    return undefined;
  }
  return run(id, op, args);
}

function requestSession(ctx) {
  const session = Object.create(engine.shared);
  session.call = async (fn) => {
    ctx.started = true;
    try {
      return await fn();
    } catch (err) {
      const info = classify(err, { started: true });
      throw new EngineError(info.kind, info.message, info);
    }
  };
  return session;
}

function run(id, op, args) {
  const ctx = { started: false };
  let limit;
  try {
    limit = checkTimeout(args.timeoutMs, engine.config.requestTimeoutMs);
  } catch (err) {
    return out.fail(id, classify(err));
  }
  const entry = { op, timedOut: false };
  const expired = () => {
    entry.timedOut = true;
    const unknown = ctx.started ? "; unknown whether it was delivered" : "";
    return new EngineError("timeout", `${op}: no answer within ${limit} ms${unknown}`, {
      delivery: ctx.started ? "unknown" : "not_sent",
    });
  };
  const work = op === "listen" ? startListening() : OPERATIONS[op](args, requestSession(ctx));
  engine.inFlight.set(id, entry);
  withTimeout(work, limit, expired)
    .then((result) => out.reply(id, result ?? {}))
    .catch((err) => out.fail(id, classify(err, { started: ctx.started })))
    .finally(() => engine.inFlight.delete(id));
  // A request that timed out may still finish: say so, so that "unknown" can become known.
  work.then(
    () => entry.timedOut && out.event("late", { id, op, ok: true }),
    (err) => entry.timedOut && out.event("late", { id, op, ok: false, error: classify(err, { started: true }) }),
  );
  return undefined;
}

function status() {
  return {
    state: engine.state,
    profile: engine.config?.profile,
    userId: engine.shared?.userId ?? null,
    listening: engine.listening,
    connected: engine.connected,
    inFlight: engine.inFlight.size,
    queued: engine.queued.length,
  };
}

// --- listening ------------------------------------------------------------------------------

function remember(message) {
  const recent = engine.shared.recent;
  const msgId = message?.data?.msgId;
  if (!msgId) return;
  recent.set(String(msgId), { threadId: message.threadId, data: message.data });
  if (recent.size > MAX_RECENT) recent.delete(recent.keys().next().value);
}

function guarded(name, fn) {
  return (...args) => {
    try {
      fn(...args);
    } catch (err) {
      log(`engine: could not convert a ${name} event: ${err?.stack ?? err}`);
      out.event("protocol_error", { message: `a ${name} event could not be converted` });
    }
  };
}

async function startListening() {
  if (engine.listening) return { listening: true, connected: engine.connected };
  const listener = engine.shared.api.listener;
  if (!engine.attached) attachListener(listener);
  listener.start({ retryOnClose: true });
  engine.listening = true;
  return { listening: true, connected: engine.connected };
}

function attachListener(listener) {
  engine.attached = true;
  listener.on("connected", () => {
    engine.connected = true;
    out.event("connection", { state: "connected" });
  });
  listener.on("disconnected", (code, reason) => {
    engine.connected = false;
    out.event("connection", { state: "disconnected", code, reason: String(reason ?? "") });
  });
  listener.on("closed", (code, reason) => {
    engine.connected = false;
    out.event("connection", { state: "closed", code, reason: String(reason ?? "") });
    shutdown(EXIT.CLOSED, `the websocket closed for good (${code})`);
  });
  listener.on("error", (err) => log(`engine: listener error: ${err?.message ?? err?.type ?? err}`));
  listener.on("message", guarded("message", (message) => {
    if (message?.isSelf) return;
    remember(message);
    const line = listenLine(message);
    if (line) out.event("message", { message: line });
  }));
  listener.on("reaction", guarded("reaction", (reaction) => {
    if (!reaction?.isSelf) out.event("reaction", { reaction: reactionEvent(reaction) });
  }));
  listener.on("undo", guarded("undo", (undo) => {
    if (!undo?.isSelf) out.event("undo", { undo: undoEvent(undo) });
  }));
}

// --- life cycle -------------------------------------------------------------------------------

function parentGone(initialParent) {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== initialParent;
  } catch {
    return !pidAlive(initialParent);
  }
}

function every(ms, fn) {
  const timer = setInterval(fn, ms);
  timer.unref();
  engine.timers.push(timer);
}

async function shutdown(code, reason) {
  if (engine.state === "stopping") return;
  engine.state = "stopping";
  log(`engine: stopping (${reason})`);
  engine.timers.forEach(clearInterval);
  for (const { id } of engine.queued.splice(0)) {
    out.fail(id, classify(new EngineError("not_ready", `the engine is stopping (${reason})`)));
  }
  if (engine.listening) {
    try {
      engine.shared.api.listener.stop();
    } catch (err) {
      log(`engine: stopping the listener failed: ${err?.message ?? err}`);
    }
  }
  const deadline = Date.now() + (code === EXIT.PARENT_GONE ? 1_000 : engine.config?.drainMs ?? 0);
  while (engine.inFlight.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  exit(code);
}

function exit(code) {
  engine.lock?.release();
  const bye = setTimeout(() => process.exit(code), 500);
  process.stdout.write("", () => {
    clearTimeout(bye);
    process.exit(code);
  });
}

function fatal(err, code) {
  const error = classify(err);
  out.event("fatal", { error });
  for (const { id } of engine.queued.splice(0)) out.fail(id, { ...error, delivery: "not_sent" });
  log(`engine: ${err?.message ?? err}`);
  engine.state = "stopping";
  exit(code);
}

async function main() {
  try {
    engine.config = readConfig(process.env);
  } catch (err) {
    return fatal(new EngineError("bad_request", err.message), EXIT.CONFIG);
  }
  const config = engine.config;
  const parent = process.ppid;
  readLines(process.stdin, config.maxLineBytes, {
    onLine,
    onOversize: () => out.event("protocol_error", { message: `a request line is longer than ${config.maxLineBytes} bytes` }),
    onEnd: () => shutdown(EXIT.OK, "stdin closed"),
  });
  every(config.parentPollMs, () => parentGone(parent) && shutdown(EXIT.PARENT_GONE, "the parent process is gone"));
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => shutdown(EXIT.OK, signal));
  process.on("exit", () => engine.lock?.release());

  const sessionId = `${Date.now().toString(36)}-${crypto.randomBytes(4).toString("hex")}`;
  try {
    if (config.lock) engine.lock = acquireLock(config.profileDir, config.profile, sessionId);
  } catch (err) {
    return fatal(err, EXIT.LOCKED);
  }
  let loaded;
  try {
    loaded = await loadZcaModule(config.zcaModule);
  } catch (err) {
    return fatal(err, EXIT.NOT_INSTALLED);
  }
  out.event("hello", {
    protocol: PROTOCOL, engine: ENGINE_VERSION, zcaJs: loaded.version, node: process.versions.node,
    pid: process.pid, profile: config.profile, sessionId,
  });
  engine.state = "logging_in";
  let api;
  try {
    api = await login(loaded.module, readCredentials(config.credentials, config.profile), config.loginTimeoutMs);
  } catch (err) {
    return fatal(err, EXIT.LOGIN_FAILED);
  }
  if (engine.state === "stopping") return exit(EXIT.OK);
  const module = loaded.module;
  engine.shared = {
    api, config, recent: new Map(),
    threadType: module.ThreadType ?? { User: 0, Group: 1 },
    reactions: module.Reactions ?? null,
    userId: String(api.getOwnId?.() ?? ""),
  };
  engine.state = "ready";
  out.event("login", { ok: true, userId: engine.shared.userId });
  every(config.heartbeatMs, () => out.event("heartbeat", { ts: Math.floor(Date.now() / 1000), ...status() }));
  for (const { id, op, args } of engine.queued.splice(0)) run(id, op, args);
  return undefined;
}

process.on("uncaughtException", (err) => fatal(new EngineError("internal", `uncaught: ${err?.stack ?? err}`), EXIT.INTERNAL));
process.on("unhandledRejection", (err) => log(`engine: unhandled rejection: ${err?.stack ?? err}`));

main().catch((err) => fatal(new EngineError("internal", `start-up failed: ${err?.stack ?? err}`), EXIT.INTERNAL));
