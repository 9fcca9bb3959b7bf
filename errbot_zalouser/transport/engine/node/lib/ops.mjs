// The requests that need a logged-in session, one function each: (args, session) -> result.
// `session` holds the zca-js API object, the zca-js module, the settings and the recent messages.

import fs from "node:fs/promises";

import { EngineError } from "./errors.mjs";
import { download } from "./media.mjs";
import * as check from "./validate.mjs";

const BATCH = 5; // ids per group/member lookup call, as openzca batches them
const EMOJI = { "❤️": "HEART", "❤": "HEART", "👍": "LIKE", "😆": "HAHA", "😂": "HAHA", "😮": "WOW", "😭": "CRY", "😡": "ANGRY" };
const REPLY_LINES = /\n\[(?:reply context|reply media attached)[^\n]*\]\s*$/;

function thread(args, session) {
  const threadId = check.zaloId(args.threadId, "threadId");
  const isGroup = check.bool(args.isGroup, "isGroup");
  return { threadId, isGroup, type: isGroup ? session.threadType.Group : session.threadType.User };
}

function messageId(response) {
  const first = response?.message?.msgId ?? response?.msgId ?? response?.attachment?.[0]?.msgId;
  return first === undefined || first === null ? null : String(first);
}

// zca-js refuses these quotes itself (sendMessage), before anything is sent.
const UNQUOTABLE = (q) => q.msgType === "group.poll" || (q.msgType === "webchat" && typeof q.content !== "string");

function badQuote(message) {
  return new EngineError("bad_quote", `quote: ${message}`);
}

// A quote source: a message this engine saw (by msgId), or the fields of a listen line.
function quoteFor(raw, threadId, session) {
  const q = check.object(raw, "quote");
  const quote = quoteFields(q, threadId, session);
  if (UNQUOTABLE(quote)) throw badQuote(`a ${quote.msgType} message cannot be quoted`);
  return quote;
}

function quoteFields(q, threadId, session) {
  const msgId = q.msgId === undefined ? "" : String(q.msgId);
  const seen = msgId ? session.recent.get(msgId) : undefined;
  if (seen) {
    if (seen.threadId !== threadId) throw badQuote("that message belongs to a different thread");
    const d = seen.data;
    return { content: d.content, msgType: d.msgType, propertyExt: d.propertyExt, uidFrom: d.uidFrom,
      msgId: d.msgId, cliMsgId: d.cliMsgId, ts: d.ts, ttl: d.ttl ?? 0 };
  }
  const meta = q.metadata && typeof q.metadata === "object" ? q.metadata : {};
  const from = [q.threadId, q.targetId, q.conversationId, meta.threadId].find((v) => v !== undefined);
  if (from !== undefined && String(from) !== threadId) throw badQuote("that message belongs to a different thread");
  const need = (value, name) => {
    if (value === undefined || value === null || value === "") throw badQuote(`${name} is missing (and the message is not one this engine received)`);
    return value;
  };
  const seconds = Number(q.timestamp);
  const ts = q.ts ?? (Number.isFinite(seconds) ? String(Math.trunc(seconds * 1000)) : undefined);
  const content = typeof q.content === "string" ? q.content.replace(REPLY_LINES, "").replace(REPLY_LINES, "") : q.content;
  return {
    content: need(content, "content"),
    msgType: String(need(q.msgType ?? meta.msgType, "msgType")),
    propertyExt: q.propertyExt && typeof q.propertyExt === "object" ? q.propertyExt : undefined,
    uidFrom: String(need(q.uidFrom ?? q.senderId ?? q.fromId ?? meta.senderId ?? meta.fromId, "sender id")),
    msgId: String(need(msgId, "msgId")),
    cliMsgId: String(need(q.cliMsgId, "cliMsgId")),
    ts: String(need(ts, "ts")),
    ttl: Number.isInteger(q.ttl) ? q.ttl : 0,
  };
}

export async function sendText(args, session) {
  const { threadId, isGroup, type } = thread(args, session);
  const msg = check.text(args.text, "text");
  const content = { msg };
  const styles = check.styles(args.styles, msg.length);
  if (styles.length) content.styles = styles;
  const mentions = check.mentions(args.mentions, msg.length, isGroup);
  if (mentions.length) content.mentions = mentions;
  if (args.quote !== undefined && args.quote !== null) content.quote = quoteFor(args.quote, threadId, session);
  return { msgId: messageId(await session.call(() => session.api.sendMessage(content, threadId, type))) };
}

const MEDIA_KINDS = new Set(["image", "video", "voice", "file"]);

export async function sendMedia(args, session) {
  const { threadId, type } = thread(args, session);
  const kind = args.kind;
  if (!MEDIA_KINDS.has(kind)) throw check.bad("kind must be image, video, voice or file");
  const caption = check.text(args.caption, "caption", { optional: true, max: 10_000 });
  const hasUrl = args.url !== undefined;
  if (hasUrl === (args.path !== undefined)) throw check.bad("give exactly one of url and path");
  const source = check.text(hasUrl ? args.url : args.path, hasUrl ? "url" : "path", { max: 8_192 });
  if (kind === "voice") {
    if (!hasUrl) throw new EngineError("unsupported", "voice messages are sent by URL only");
    return { msgId: messageId(await session.call(() => session.api.sendVoice({ voiceUrl: source }, threadId, type))) };
  }
  let fetched = null;
  if (hasUrl) {
    fetched = await download(source, kind, { maxBytes: session.config.downloadMaxBytes, timeoutMs: session.config.downloadTimeoutMs });
  } else {
    try {
      if (!(await fs.stat(source)).isFile()) throw new Error("not a file");
    } catch {
      throw check.bad("path must name an existing file");
    }
  }
  try {
    const content = { msg: caption, attachments: [fetched ? fetched.file : source] };
    return { msgId: messageId(await session.call(() => session.api.sendMessage(content, threadId, type))) };
  } finally {
    if (fetched) await fs.rm(fetched.folder, { recursive: true, force: true });
  }
}

export async function sendLink(args, session) {
  const { threadId, type } = thread(args, session);
  const link = check.text(args.url, "url", { max: 8_192 });
  const msg = check.text(args.text, "text", { optional: true, max: 10_000 });
  const options = msg ? { link, msg } : { link };
  return { msgId: messageId(await session.call(() => session.api.sendLink(options, threadId, type))) };
}

function reactionIcon(value, reactions) {
  if (value === "" && reactions && Object.hasOwn(reactions, "NONE")) return reactions.NONE; // takes a reaction back
  const name = check.text(value, "reaction", { max: 64 });
  const key = (EMOJI[name] ?? name).trim().toUpperCase().replace(/[\s-]+/g, "_");
  if (reactions && Object.hasOwn(reactions, key)) return reactions[key];
  if (reactions && Object.values(reactions).includes(name)) return name;
  throw check.bad(`unknown reaction ${JSON.stringify(name)}: use an emoji, a zca-js Reactions name or a Zalo code`);
}

export async function react(args, session) {
  const { threadId, type } = thread(args, session);
  const icon = reactionIcon(args.reaction, session.reactions);
  const dest = {
    data: { msgId: check.zaloId(String(args.msgId ?? ""), "msgId"), cliMsgId: check.zaloId(String(args.cliMsgId ?? ""), "cliMsgId") },
    threadId,
    type,
  };
  await session.call(() => session.api.addReaction(icon, dest));
  return {};
}

export async function typing(args, session) {
  const { threadId, type } = thread(args, session);
  await session.call(() => session.api.sendTypingEvent(threadId, type));
  return {};
}

export async function me(_args, session) {
  const info = await session.call(() => session.api.fetchAccountInfo());
  const profile = info?.profile && typeof info.profile === "object" ? info.profile : {};
  const userId = String(profile.userId ?? session.api.getOwnId?.() ?? "");
  return { ...profile, userId, displayName: profile.displayName ?? profile.zaloName ?? "", avatar: profile.avatar ?? "" };
}

export async function friends(_args, session) {
  const rows = await session.call(() => session.api.getAllFriends());
  return { rows: Array.isArray(rows) ? rows : [] };
}

const PHONE = /^\+?[0-9][0-9 .-]{6,18}$/;

export async function findUser(args, session) {
  const query = check.text(args.query, "query", { max: 200 }).trim();
  const found = [];
  const lookup = async (fn) => {
    try {
      const row = await session.call(fn);
      if (row && typeof row === "object" && (row.uid || row.userId)) found.push({ ...row, userId: String(row.userId ?? row.uid) });
    } catch (err) {
      if (!(err instanceof EngineError) || !["zalo", "bad_request"].includes(err.kind)) throw err;
    }
  };
  if (PHONE.test(query)) await lookup(() => session.api.findUser(query.replace(/[ .-]/g, "")));
  if (!found.length && /^[A-Za-z0-9_.]{3,64}$/.test(query) && session.api.findUserByUsername) {
    await lookup(() => session.api.findUserByUsername(query));
  }
  if (!found.length) {
    const needle = query.toLowerCase();
    const rows = (await friends({}, session)).rows;
    for (const row of rows) {
      const names = [row.displayName, row.zaloName, row.username].filter((n) => typeof n === "string");
      if (names.some((n) => n.toLowerCase().includes(needle))) found.push(row);
    }
  }
  return { rows: found };
}

async function inBatches(ids, fetchBatch) {
  const merged = {};
  for (let i = 0; i < ids.length; i += BATCH) Object.assign(merged, await fetchBatch(ids.slice(i, i + BATCH)));
  return merged;
}

async function groupInfo(ids, session) {
  return inBatches(ids, async (batch) => (await session.call(() => session.api.getGroupInfo(batch)))?.gridInfoMap ?? {});
}

export async function groups(_args, session) {
  const all = await session.call(() => session.api.getAllGroups());
  const ids = Object.keys(all?.gridVerMap ?? {});
  const info = await groupInfo(ids, session);
  return { rows: ids.filter((id) => info[id]).map((id) => ({ ...info[id], groupId: String(info[id].groupId ?? id) })) };
}

const memberId = (value) => (typeof value === "string" || typeof value === "number" ? String(value).replace(/_\d+$/, "").trim() : "");

export async function members(args, session) {
  const groupId = check.zaloId(args.groupId, "groupId");
  const info = (await groupInfo([groupId], session))[groupId];
  if (!info) throw new EngineError("zalo", `group ${groupId} not found`);
  const current = new Map();
  for (const m of Array.isArray(info.currentMems) ? info.currentMems : []) {
    const id = memberId(m?.id);
    if (id) current.set(id, { displayName: m.dName || m.zaloName || "", zaloName: m.zaloName || "" });
  }
  const listed = (value) => (Array.isArray(value) ? value : []);
  const ids = [...new Set([...listed(info.memberIds), ...listed(info.memVerList), ...current.keys()].map(memberId).filter(Boolean))];
  const profiles = await inBatches(ids, async (batch) => (await session.call(() => session.api.getGroupMembersInfo(batch)))?.profiles ?? {});
  const byId = new Map(Object.entries(profiles).map(([key, p]) => [memberId(p?.id) || memberId(key), p]));
  return {
    rows: ids.map((id) => {
      const p = byId.get(id) ?? {};
      return { userId: id, displayName: p.displayName ?? current.get(id)?.displayName ?? "", zaloName: p.zaloName ?? current.get(id)?.zaloName ?? "",
        avatar: p.avatar, accountStatus: p.accountStatus };
    }),
  };
}

export const OPERATIONS = {
  send_text: sendText,
  send_media: sendMedia,
  send_link: sendLink,
  react,
  typing,
  me,
  friends,
  find_user: findUser,
  groups,
  members,
};
