// A stand-in for the zca-js 2.1.2 package: the part of its API the engine uses, with the shapes
// its published type definitions give (dist/zalo.d.ts, dist/apis.d.ts, dist/apis/*.d.ts,
// dist/models/*.d.ts, dist/Errors/ZaloApiError.d.ts). No network: everything is read from and
// written to a state folder ($FAKE_ZCA_HOME) that tests/transport/engine/fakezca.py (FakeZca) controls:
//
//   state.json      me, friends, groups, members, loggedIn, imei (the credentials it accepts)
//   faults.json     latencyMs, login {delayMs, fail}, rules [{id, command, times, code, message, errno, hangMs}]
//   inbox.jsonl     what the listener delivers: message, reaction, undo, close, error, exit, stall records
//   inbox.cursor    how far into inbox.jsonl any listener has read (bytes)
//   sent.jsonl      every successful send (what zca-js would have put on the wire)
//   calls.jsonl     every API call, with its outcome; fault-uses.jsonl: which fault rule fired
//   logins.jsonl    every login attempt and the options the Zalo object was built with

import { EventEmitter } from "node:events";
import fs from "node:fs";
import path from "node:path";

const HOME = process.env.FAKE_ZCA_HOME ?? "";
const POLL_MS = 20;

// --- enums and errors, as zca-js exports them ----------------------------------------------

export const ThreadType = Object.freeze({ User: 0, Group: 1, 0: "User", 1: "Group" });
export const CloseReason = Object.freeze({ ManualClosure: 1000, AbnormalClosure: 1006, DuplicateConnection: 3000, KickConnection: 3003 });
export const Reactions = Object.freeze({
  HEART: "/-heart", LIKE: "/-strong", HAHA: ":>", WOW: ":o", CRY: ":-((", ANGRY: ":-h", KISS: ":-*",
  DISLIKE: "/-weak", OK: "/-ok", THANKS: "/-thanks", NONE: "",
});

export class ZaloApiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "ZaloApiError";
    this.code = code ?? null;
  }
}

// --- the state folder -------------------------------------------------------------------------

function file(name) {
  if (!HOME) throw new Error("FAKE_ZCA_HOME is not set");
  return path.join(HOME, name);
}

function readJson(name, fallback) {
  try {
    return JSON.parse(fs.readFileSync(file(name), "utf8"));
  } catch (err) {
    if (err.code === "ENOENT") return fallback;
    throw err;
  }
}

function append(name, row) {
  fs.appendFileSync(file(name), `${JSON.stringify({ ...row, pid: process.pid, at: Date.now() })}\n`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let lastMsgId = 7_645_528_516_000;
const nextMsgId = () => {
  lastMsgId = Math.max(lastMsgId + 1, Date.now() * 10 + Math.floor(Math.random() * 10));
  return lastMsgId;
};

// The zca command a call corresponds to, so that tests can name faults the same way on both engines.
function commandOf(method, args) {
  if (method === "sendMessage") {
    const content = args[0];
    const attachments = typeof content === "object" && content?.attachments;
    if (!attachments) return "msg send";
    const first = String([attachments].flat()[0]).toLowerCase();
    if (/\.(jpe?g|png|webp|gif)$/.test(first)) return "msg image";
    return /\.(mp4|mov|webm)$/.test(first) ? "msg video" : "msg upload";
  }
  return {
    sendLink: "msg link", sendVoice: "msg voice", addReaction: "msg react", sendTypingEvent: "msg typing",
    fetchAccountInfo: "me info", getAllFriends: "friend list", findUser: "friend find", findUserByUsername: "friend find",
    getAllGroups: "group list", getGroupInfo: "group list", getGroupMembersInfo: "group members",
  }[method] ?? method;
}

function failure(rule) {
  if (rule.errno) {
    const err = new TypeError("fetch failed");
    err.cause = Object.assign(new Error(`connect ${rule.errno}`), { code: rule.errno });
    return err;
  }
  return new ZaloApiError(rule.message ?? "simulated failure", rule.code ?? undefined);
}

// The first rule for this call that still has uses left (times < 0: forever).
function takeRule(method, command) {
  const rules = readJson("faults.json", {}).rules ?? [];
  const used = {};
  for (const row of readJsonLines("fault-uses.jsonl")) used[row.rule] = (used[row.rule] ?? 0) + 1;
  const rule = rules.find((r) => [method, command, "*"].includes(r.command) && (r.times < 0 || (used[r.id] ?? 0) < r.times));
  if (rule) append("fault-uses.jsonl", { rule: rule.id, method });
  return rule;
}

function readJsonLines(name) {
  let text;
  try {
    text = fs.readFileSync(file(name), "utf8");
  } catch (err) {
    if (err.code === "ENOENT") return [];
    throw err;
  }
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

// Every API method goes through here: latency, faults, the call log.
async function apiCall(method, args, body) {
  const command = commandOf(method, args);
  const latency = readJson("faults.json", {}).latencyMs ?? 0;
  if (latency > 0) await sleep(latency);
  const rule = takeRule(method, command);
  if (rule?.hangMs !== undefined) {
    if (rule.hangMs < 0) await new Promise(() => {});
    await sleep(rule.hangMs);
  } else if (rule) {
    const err = failure(rule);
    append("calls.jsonl", { method, command, ok: false, error: err.message, code: err.code ?? null });
    throw err;
  }
  try {
    const result = await body();
    append("calls.jsonl", { method, command, ok: true });
    return result;
  } catch (err) {
    append("calls.jsonl", { method, command, ok: false, error: err.message, code: err.code ?? null });
    throw err;
  }
}

// --- the listener (dist/apis/listen.d.ts) ------------------------------------------------------

function messageObject(uid, record, selfListen) {
  // UserMessage / GroupMessage / Reaction / Undo constructors (dist/models/*.js semantics).
  const data = structuredClone(record.data);
  const isSelf = data.uidFrom === "0";
  if (isSelf && !selfListen) return null;
  const isGroup = Boolean(record.isGroup);
  let threadId;
  if (record.kind === "message") threadId = isGroup ? data.idTo : isSelf ? data.idTo : data.uidFrom;
  else threadId = isGroup || isSelf ? data.idTo : data.uidFrom;
  if (data.idTo === "0") data.idTo = uid;
  if (data.uidFrom === "0") data.uidFrom = uid;
  if (data.quote) data.quote.ownerId = String(data.quote.ownerId);
  if (record.kind === "message") return { type: isGroup ? ThreadType.Group : ThreadType.User, data, threadId, isSelf };
  return { data, threadId, isSelf, isGroup };
}

class Listener extends EventEmitter {
  constructor(uid, selfListen) {
    super();
    this.uid = uid;
    this.selfListen = selfListen;
    this.timer = null;
  }

  start({ retryOnClose = false } = {}) {
    if (this.timer) throw new ZaloApiError("Already started");
    this.retryOnClose = retryOnClose;
    append("calls.jsonl", { method: "listener.start", command: "listen", ok: true, retryOnClose });
    this.timer = setInterval(() => this.poll(), POLL_MS);
    setTimeout(() => this.emit("connected"), 5);
  }

  stop() {
    if (!this.timer) return;
    this.halt();
    this.emit("disconnected", CloseReason.ManualClosure, "");
    this.emit("closed", CloseReason.ManualClosure, "");
  }

  halt() {
    clearInterval(this.timer);
    this.timer = null;
  }

  poll() {
    const cursorFile = file("inbox.cursor");
    let offset = Number(fs.existsSync(cursorFile) ? fs.readFileSync(cursorFile, "utf8") : 0) || 0;
    let text;
    try {
      text = fs.readFileSync(file("inbox.jsonl"));
    } catch {
      return;
    }
    while (this.timer && offset < text.length) {
      const end = text.indexOf(10, offset);
      if (end < 0) break;
      const record = JSON.parse(text.subarray(offset, end).toString("utf8"));
      offset = end + 1;
      fs.writeFileSync(cursorFile, String(offset));
      if (record.kind === "sleep") {
        this.halt();
        setTimeout(() => {
          if (!this.timer) this.timer = setInterval(() => this.poll(), POLL_MS);
        }, record.ms);
        return;
      }
      this.deliver(record);
    }
  }

  deliver(record) {
    if (record.kind === "close") {
      this.emit("disconnected", record.code, record.reason ?? "");
      if (record.retry && this.retryOnClose) {
        setTimeout(() => this.emit("connected"), 10);
      } else {
        this.halt();
        this.emit("closed", record.code, record.reason ?? "");
      }
      return;
    }
    if (record.kind === "error") {
      this.emit("error", new Error(record.message ?? "simulated listener error"));
      return;
    }
    if (record.kind === "exit") process.exit(record.code); // the whole process dies, as on a crash
    if (record.kind === "stall") {
      // The process stays alive but does nothing at all: its event loop is blocked (60 s at most).
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        // spin
      }
      return;
    }
    const object = messageObject(this.uid, record, this.selfListen);
    if (object) this.emit(record.kind, object);
  }
}

// --- the API object (dist/apis.d.ts) -------------------------------------------------------------

function state() {
  return readJson("state.json", {});
}

function userRow(u) {
  return { userId: String(u.userId), username: u.username ?? "", displayName: u.displayName ?? "", zaloName: u.zaloName ?? "",
    avatar: u.avatar ?? "", gender: u.gender ?? 0, phoneNumber: u.phoneNumber ?? "" };
}

// One sent.jsonl row; `command` is the verb zca-sim records for the same kind of send.
function sendRecord(method, command, threadId, type, fields) {
  const msgId = nextMsgId();
  append("sent.jsonl", { command, method, threadId: String(threadId), isGroup: type === ThreadType.Group, ...fields, msgId: String(msgId) });
  return msgId;
}

// sendMessage's quote (dist/apis/sendMessage.d.ts SendMessageQuote): the fields it reads, and the
// two kinds of message zca-js refuses to quote before sending anything.
const QUOTE_KEYS = ["content", "msgType", "uidFrom", "msgId", "cliMsgId", "ts"];

function checkQuote(quote) {
  if (quote === undefined || quote === null) return;
  const missing = QUOTE_KEYS.filter((key) => quote[key] === undefined || quote[key] === null);
  if (missing.length) throw new TypeError(`quote without ${missing.join(", ")}`);
  if (typeof quote.content !== "string" && quote.msgType === "webchat") {
    throw new ZaloApiError("This kind of `webchat` quote type is not available");
  }
  if (quote.msgType === "group.poll") throw new ZaloApiError("The `group.poll` quote type is not available");
}

function attachmentInfo(source) {
  const name = typeof source === "string" ? source : source?.filename;
  const stat = typeof source === "string" ? fs.statSync(source) : { size: source?.data?.length ?? 0 };
  return { fileName: path.basename(String(name)), size: stat.size };
}

class API {
  constructor(uid, options) {
    this.uid = uid;
    this.listener = new Listener(uid, Boolean(options.selfListen));
  }

  getOwnId() {
    return this.uid;
  }

  fetchAccountInfo() {
    return apiCall("fetchAccountInfo", [], async () => ({ profile: userRow(state().me ?? {}) }));
  }

  getAllFriends(count, page) {
    return apiCall("getAllFriends", [count, page], async () => (state().friends ?? []).map(userRow));
  }

  findUser(phoneNumber) {
    return apiCall("findUser", [phoneNumber], async () => basicOf((state().friends ?? []).find((u) => u.phoneNumber === phoneNumber)));
  }

  findUserByUsername(username) {
    return apiCall("findUserByUsername", [username], async () => basicOf((state().friends ?? []).find((u) => u.username === username)));
  }

  getAllGroups() {
    return apiCall("getAllGroups", [], async () => ({
      version: "1",
      gridVerMap: Object.fromEntries((state().groups ?? []).map((g) => [String(g.groupId), "1"])),
    }));
  }

  getGroupInfo(groupId) {
    return apiCall("getGroupInfo", [groupId], async () => {
      const wanted = new Set([groupId].flat().map(String));
      const s = state();
      const gridInfoMap = {};
      for (const g of s.groups ?? []) {
        if (!wanted.has(String(g.groupId))) continue;
        const ids = (s.members?.[g.groupId] ?? []).map((m) => String(m.userId));
        gridInfoMap[g.groupId] = { groupId: String(g.groupId), name: g.name ?? "", totalMember: g.totalMember ?? ids.length,
          memberIds: [], memVerList: ids.map((id) => `${id}_0`), currentMems: [], adminIds: g.adminIds ?? [],
          creatorId: g.creatorId ?? "", pendingApprove: { time: 0, uids: null } };
      }
      return { removedsGroup: [], unchangedsGroup: [], gridInfoMap };
    });
  }

  getGroupMembersInfo(memberId) {
    return apiCall("getGroupMembersInfo", [memberId], async () => {
      const wanted = new Set([memberId].flat().map(String));
      const s = state();
      const everyone = [s.me ?? {}, ...(s.friends ?? []), ...Object.values(s.members ?? {}).flat()];
      const profiles = {};
      for (const u of everyone) {
        const id = String(u.userId ?? "");
        if (wanted.has(id) && !profiles[id]) {
          profiles[id] = { displayName: u.displayName ?? "", zaloName: u.zaloName ?? "", avatar: u.avatar ?? "",
            accountStatus: 0, type: 1, lastUpdateTime: 0, globalId: id, id };
        }
      }
      return { profiles, unchangeds_profile: [] };
    });
  }

  sendMessage(message, threadId, type = ThreadType.User) {
    return apiCall("sendMessage", [message, threadId, type], async () => {
      const content = typeof message === "string" ? { msg: message } : message;
      const attachments = content.attachments ? [content.attachments].flat() : [];
      if (!attachments.length && !content.msg) throw new ZaloApiError("Missing message content");
      checkQuote(content.quote);
      const isGroup = type === ThreadType.Group;
      const mentions = isGroup ? (content.mentions ?? []).filter((m) => m.pos >= 0 && m.uid && m.len > 0) : [];
      const fields = { text: content.msg ?? "", styles: content.styles ?? [], mentions, quote: content.quote ?? null,
        attachments: attachments.map(attachmentInfo), ttl: content.ttl ?? 0 };
      const verb = commandOf("sendMessage", [content]).replace("msg ", "");
      const msgId = sendRecord("sendMessage", verb, threadId, type, fields);
      const attachment = attachments.map(() => ({ msgId }));
      return { message: attachments.length ? null : { msgId }, attachment };
    });
  }

  sendLink(options, threadId, type = ThreadType.User) {
    return apiCall("sendLink", [options, threadId, type], async () => ({
      msgId: String(sendRecord("sendLink", "link", threadId, type, { url: options.link, text: options.msg ?? "" })),
    }));
  }

  sendVoice(options, threadId, type = ThreadType.User) {
    return apiCall("sendVoice", [options, threadId, type], async () => ({
      msgId: String(sendRecord("sendVoice", "voice", threadId, type, { url: options.voiceUrl })),
    }));
  }

  addReaction(icon, dest) {
    return apiCall("addReaction", [icon, dest], async () => {
      const id = sendRecord("addReaction", "react", dest.threadId, dest.type, { icon, target: dest.data });
      return { msgIds: [id] };
    });
  }

  sendTypingEvent(threadId, type = ThreadType.User) {
    return apiCall("sendTypingEvent", [threadId, type], async () => {
      sendRecord("sendTypingEvent", "typing", threadId, type, {});
      return { status: 0 };
    });
  }
}

function basicOf(user) {
  if (!user) throw new ZaloApiError("Không tìm thấy người dùng", 216);
  return { uid: String(user.userId), zalo_name: user.zaloName ?? "", display_name: user.displayName ?? "", avatar: user.avatar ?? "",
    cover: "", status: "", gender: user.gender ?? 0, dob: 0, sdob: "", globalId: String(user.userId), bizPkg: {} };
}

// --- the Zalo class (dist/zalo.d.ts) ---------------------------------------------------------------

export class Zalo {
  constructor(options = {}) {
    this.options = options;
  }

  async login(credentials) {
    const faults = readJson("faults.json", {}).login ?? {};
    append("logins.jsonl", { options: this.options, imei: credentials?.imei ?? null });
    if (faults.delayMs) await sleep(faults.delayMs);
    if (faults.fail === "hang") await new Promise(() => {});
    if (!credentials?.imei || !credentials?.cookie || !credentials?.userAgent) throw new ZaloApiError("Missing required params");
    if (faults.fail === "network") throw failure({ errno: "ENOTFOUND" });
    const s = state();
    if (faults.fail === "auth" || !s.loggedIn || (s.imei && s.imei !== credentials.imei)) {
      throw new ZaloApiError("Đăng nhập thất bại");
    }
    return new API(String(s.me?.userId ?? "0"), this.options);
  }

  async loginQR() {
    throw new ZaloApiError("QR login is not simulated by this stand-in");
  }
}
