// zca-js listener objects -> the JSON objects `openzca listen -r` prints (one per message), plus
// the engine's own reaction and undo events.
//
// The message object follows openzca 0.1.58's field set, key order and text rules: `content` is
// always a string (media become "[media attached: ...]" notes with a caption line, structured
// content is summarised, a quoted reply appends "[reply context: ...]"), mentions are collected
// from wherever they appear, timestamps are seconds and `ts` keeps zca-js's millisecond string.
// One difference: the engine downloads no media. Its lines are the ones openzca prints when a
// download fails: URLs, no local paths, no content types.

const MAX_DEPTH = 5;
const MAX_URLS = 16;
const MAX_MEDIA_FILES = 4;
const MAX_MENTIONS = 64;
const PREVIEW_CHARS = 220;

const MEDIA_KEYS = {
  image: ["hdUrl", "normalUrl", "rawUrl", "oriUrl", "imageUrl", "photoUrl", "fileUrl", "thumbUrl", "thumb", "href", "url", "src"],
  video: ["videoUrl", "video_url", "mediaUrl", "streamUrl", "playUrl", "fileUrl", "rawUrl", "href", "url", "src"],
  audio: ["voiceUrl", "m4aUrl", "audioUrl", "voice_url", "m4a_url", "audio_url", "mediaUrl", "downloadUrl", "streamUrl", "playUrl", "fileUrl", "rawUrl", "href", "url", "src"],
  file: ["fileUrl", "downloadUrl", "rawUrl", "normalUrl", "oriUrl", "fileLink", "href", "url", "src"],
};
const FALLBACK_MIME = { image: "image/*", video: "video/*", audio: "audio/*" };
const CAPTION_KEYS = ["msg", "message", "text", "caption", "title", "description", "fileName", "name", "href", "url", "src"];
const MENTION_KEYS = ["mentions", "mentionInfo", "mention_info", "mentionList", "mention_list", "mention"];

function record(value) {
  return value && typeof value === "object" && !Array.isArray(value) ? value : null;
}

// The first key whose value is a non-blank string (trimmed) or a finite number (as text).
export function firstText(obj, keys) {
  for (const key of keys) {
    const value = obj?.[key];
    if (typeof value === "string" && value.trim()) return value.trim();
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
  }
  return "";
}

function looksLikeJson(text) {
  const t = text.trim();
  return t.length >= 2 && ((t[0] === "{" && t.at(-1) === "}") || (t[0] === "[" && t.at(-1) === "]"));
}

// JSON-looking strings inside content become values (zca-js leaves `params` and friends as text).
export function unpack(value, depth = 0) {
  if (depth > MAX_DEPTH || value === null || value === undefined) return value;
  if (typeof value === "string") {
    if (!looksLikeJson(value)) return value;
    try {
      return unpack(JSON.parse(value.trim()), depth + 1);
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item) => unpack(item, depth + 1));
  const obj = record(value);
  if (!obj) return value;
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unpack(v, depth + 1)]));
}

export function mediaKind(msgType, content) {
  const type = typeof msgType === "string" ? msgType.trim().toLowerCase() : "";
  if (["photo", "gif", "sticker"].some((word) => type.includes(word))) return "image";
  if (type.includes("video")) return "video";
  if (type.includes("voice") || type.includes("audio")) return "audio";
  if (type.includes("share.file")) return "file";
  if (type.includes("link") || type.includes("location")) return null;
  const obj = record(content);
  if (!obj) return null;
  if (firstText(obj, ["voiceUrl", "m4aUrl", "audioUrl", "voice_url", "m4a_url", "audio_url"])) return "audio";
  if (firstText(obj, ["videoUrl"])) return "video";
  if (firstText(obj, ["hdUrl", "normalUrl", "thumbUrl", "thumb", "rawUrl", "oriUrl", "imageUrl"])) return "image";
  if (firstText(obj, ["fileUrl", "fileName", "fileId", "href", "url"])) return "file";
  return null;
}

const URL_IN_TEXT = /https?:\/\/[^\s"'<>`]+/gi;

export function collectUrls(value, sink = new Set(), depth = 0) {
  if (depth > MAX_DEPTH || sink.size >= MAX_URLS) return sink;
  if (typeof value === "string") {
    for (const found of value.replace(/\\\//g, "/").match(URL_IN_TEXT) ?? []) {
      const url = found.replace(/[)\],.;"'`]+$/g, "").trim();
      if (/^https?:\/\//i.test(url)) sink.add(url);
      if (sink.size >= MAX_URLS) break;
    }
  } else if (Array.isArray(value) || record(value)) {
    for (const item of Object.values(value)) {
      collectUrls(item, sink, depth + 1);
      if (sink.size >= MAX_URLS) break;
    }
  }
  return sink;
}

// The kind's preferred keys first, then every other URL in the content.
export function mediaUrls(kind, content) {
  const ordered = new Set();
  const obj = record(content);
  for (const key of obj ? MEDIA_KEYS[kind] : []) {
    if (key in obj) for (const url of collectUrls(obj[key])) ordered.add(url);
  }
  for (const url of collectUrls(content)) ordered.add(url);
  return [...ordered];
}

export function summarize(msgType, content) {
  const type = typeof msgType === "string" ? msgType.trim().toLowerCase() : "";
  const obj = record(content);
  if (obj && type.includes("link")) {
    const href = firstText(obj, ["href", "url", "src"]);
    if (href) return href;
  }
  const text = obj ? firstText(obj, CAPTION_KEYS) : "";
  if (text) return text;
  return type ? `<non-text:${type}>` : "<non-text-message>";
}

function mediaNote(urls, label, mime, caption) {
  if (urls.length === 0) return caption;
  const lines = urls.length > 1 ? [`[${label}: ${urls.length} files]`] : [];
  urls.forEach((url, i) => {
    const head = urls.length > 1 ? `[${label} ${i + 1}/${urls.length}: ` : `[${label}: `;
    lines.push(`${head}${url}${mime ? ` (${mime})` : ""}]`);
  });
  const note = lines.join("\n");
  return caption ? `${note}\n${caption}` : note;
}

function quoteOf(value) {
  const obj = record(unpack(value));
  if (!obj) return null;
  const attach = obj.attach === undefined ? undefined : unpack(obj.attach);
  const urls = attach === undefined ? [] : [...collectUrls(attach)];
  const ts = Number(typeof obj.ts === "number" || typeof obj.ts === "string" ? obj.ts : NaN);
  const quote = {
    ownerId: firstText(obj, ["ownerId", "uidFrom", "fromId", "senderId", "uid"]) || undefined,
    senderName: firstText(obj, ["fromD", "senderName", "dName", "displayName", "name"]) || undefined,
    msg: firstText(obj, ["msg", "message", "text", "content", "title", "description"]) || undefined,
    attach,
    mediaUrls: urls.length ? urls : undefined,
    ts: Number.isFinite(ts) ? Math.trunc(ts) : undefined,
    cliMsgId: firstText(obj, ["cliMsgId"]) || undefined,
    globalMsgId: firstText(obj, ["globalMsgId", "msgId", "realMsgId"]) || undefined,
    cliMsgType: typeof obj.cliMsgType === "number" && Number.isFinite(obj.cliMsgType) ? Math.trunc(obj.cliMsgType) : undefined,
  };
  const known = [quote.ownerId, quote.senderName, quote.msg, quote.cliMsgId, quote.globalMsgId, attach];
  return known.some((v) => v !== undefined) ? quote : null;
}

function replyContext(quote) {
  const from = quote.senderName || quote.ownerId || "unknown";
  let summary = quote.msg?.trim() || (quote.attach !== undefined ? summarize("quote", quote.attach) : "");
  if (!summary || summary === "<non-text:quote>" || summary === "<non-text-message>") {
    const urls = quote.mediaUrls ?? [];
    summary = urls.length === 0 ? "<quoted-message>" : urls.length === 1 ? urls[0] : `${urls[0]} (+${urls.length - 1} more)`;
  }
  const flat = summary.replace(/\s+/g, " ").trim();
  const preview = flat.length <= PREVIEW_CHARS ? flat : `${flat.slice(0, PREVIEW_CHARS - 3)}...`;
  return `[reply context: ${from}: ${preview}]`;
}

function whole(value) {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

function mentionOf(obj, text) {
  const uid = firstText(obj, ["uid", "userId", "user_id", "id"]);
  if (!uid) return null;
  const pos = whole(obj.pos ?? obj.offset ?? obj.start ?? obj.index);
  const len = whole(obj.len ?? obj.length);
  const type = whole(obj.type ?? obj.kind);
  let label = firstText(obj, ["text", "label", "name"]);
  if (!label && pos !== undefined && len > 0 && pos >= 0 && pos < text.length) label = text.slice(pos, pos + len);
  const mention = { uid };
  if (pos !== undefined) mention.pos = pos;
  if (len !== undefined) mention.len = len;
  if (type !== undefined) mention.type = type;
  if (label.trim()) mention.text = label;
  return mention;
}

function gatherMentions(value, sink, text, depth = 0) {
  if (depth > MAX_DEPTH + 1 || sink.size >= MAX_MENTIONS || value === null || value === undefined) return;
  const keep = (m) => sink.set(`${m.uid}|${m.pos ?? ""}|${m.len ?? ""}|${m.type ?? ""}`, m);
  if (typeof value === "string") {
    if (!looksLikeJson(value)) return;
    try {
      gatherMentions(JSON.parse(value), sink, text, depth + 1);
    } catch {
      // not JSON after all
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const direct = record(item) ? mentionOf(item, text) : null;
      if (direct) keep(direct);
      else gatherMentions(item, sink, text, depth + 1);
      if (sink.size >= MAX_MENTIONS) return;
    }
    return;
  }
  const obj = record(value);
  if (!obj) return;
  const direct = mentionOf(obj, text);
  if (direct) keep(direct);
  for (const key of MENTION_KEYS) if (key in obj) gatherMentions(obj[key], sink, text, depth + 1);
  for (const nested of Object.values(obj)) gatherMentions(nested, sink, text, depth + 1);
}

export function mentionsOf(data, content, text) {
  const sink = new Map();
  for (const source of [...MENTION_KEYS.map((key) => data[key]), data.content, content]) {
    gatherMentions(source, sink, text);
    if (sink.size >= MAX_MENTIONS) break;
  }
  return [...sink.values()];
}

export function epochSeconds(value, now = Date.now()) {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return Math.floor(now / 1000);
  return Math.floor(n > 10_000_000_000 ? n / 1000 : n);
}

function some(list) {
  return list.length ? list : undefined;
}

// Returns the listen line for one zca-js message, or null when openzca would print nothing.
export function listenLine(message) {
  const data = record(message?.data) ?? {};
  const raw = data.content;
  const msgType = firstText(data, ["msgType"]);
  const content = unpack(raw);
  const structured = content !== raw;
  const rawText = typeof raw === "string" ? raw : "";
  const plain = rawText.trim() && !structured;

  const kind = mediaKind(msgType, content);
  const urls = kind ? mediaUrls(kind, content).slice(0, MAX_MEDIA_FILES) : [];
  const quote = quoteOf(data.quote);
  const quoteUrls = (quote?.mediaUrls ?? []).slice(0, MAX_MEDIA_FILES);
  if (quote && quoteUrls.length) Object.assign(quote, { mediaUrl: quoteUrls[0], mediaUrls: quoteUrls });

  const caption = plain ? rawText.trim() : summarize(msgType, content);
  let text = urls.length ? mediaNote(urls, "media attached", FALLBACK_MIME[kind], caption) : plain ? rawText : caption;
  const replyMedia = mediaNote(quoteUrls, "reply media attached", "", "");
  const reply = quote ? replyContext(quote) : "";
  if (!text.trim() && !reply && !replyMedia) return null;
  for (const extra of [replyMedia, reply]) if (extra) text = text.trim() ? `${text}\n${extra}` : extra;

  const isGroup = message.type === 1;
  const chatType = isGroup ? "group" : "user";
  const senderId = firstText(data, ["uidFrom"]) || data.uidFrom;
  const senderName = firstText(data, ["dName", "fromD", "senderName", "displayName"]) || undefined;
  const toId = firstText(data, ["idTo"]) || undefined;
  const threadName = typeof data.threadName === "string" ? data.threadName : typeof data.tName === "string" ? data.tName : undefined;
  const mentions = mentionsOf(data, content, rawText);
  const mentionIds = mentions.map((m) => m.uid);
  const timestamp = epochSeconds(data.ts);
  const quoteFields = {
    quote: quote ?? undefined,
    quoteMediaUrl: quoteUrls[0],
    quoteMediaUrls: some(quoteUrls),
  };
  const mediaFields = { mediaUrl: urls[0], mediaUrls: some(urls) };
  return {
    threadId: message.threadId,
    targetId: message.threadId,
    conversationId: message.threadId,
    msgId: data.msgId,
    cliMsgId: data.cliMsgId,
    content: text,
    type: message.type,
    timestamp,
    msgType: msgType || undefined,
    ...quoteFields,
    ...mediaFields,
    mediaKind: kind ?? undefined,
    mentions: some(mentions),
    mentionIds: some(mentionIds),
    metadata: {
      isGroup,
      chatType,
      threadId: message.threadId,
      targetId: message.threadId,
      threadName,
      senderName: isGroup ? senderName : undefined,
      senderDisplayName: senderName,
      senderId,
      fromId: senderId,
      toId,
      msgType: msgType || undefined,
      ...quoteFields,
      timestamp,
      ...mediaFields,
      mediaKind: kind ?? undefined,
      mentions: some(mentions),
      mentionIds: some(mentionIds),
      mentionCount: mentions.length || undefined,
    },
    chatType,
    senderId,
    senderName,
    senderDisplayName: senderName,
    toId,
    ts: data.ts,
  };
}

// zca-js Reaction -> the engine's reaction event body.
export function reactionEvent(reaction) {
  const data = record(reaction?.data) ?? {};
  const content = record(data.content) ?? {};
  const targets = (Array.isArray(content.rMsg) ? content.rMsg : [])
    .map((m) => ({ msgId: firstText(m, ["gMsgID"]), cliMsgId: firstText(m, ["cMsgID"]) }))
    .filter((m) => m.msgId || m.cliMsgId);
  return {
    threadId: reaction.threadId,
    isGroup: Boolean(reaction.isGroup),
    senderId: firstText(data, ["uidFrom"]),
    senderName: firstText(data, ["dName"]) || undefined,
    icon: typeof content.rIcon === "string" ? content.rIcon : "",
    targets,
    msgId: firstText(data, ["msgId"]) || undefined,
    timestamp: epochSeconds(data.ts),
    ts: data.ts,
  };
}

// zca-js Undo -> the engine's undo event body (which earlier message was taken back).
export function undoEvent(undo) {
  const data = record(undo?.data) ?? {};
  const content = record(data.content) ?? {};
  return {
    threadId: undo.threadId,
    isGroup: Boolean(undo.isGroup),
    senderId: firstText(data, ["uidFrom"]),
    msgId: firstText(content, ["globalMsgId"]),
    cliMsgId: firstText(content, ["cliMsgId"]),
    timestamp: epochSeconds(data.ts),
    ts: data.ts,
  };
}
