// Checks on request arguments. Everything a request carries is untrusted: a failed check is a
// bad_request error that names the argument, and nothing is sent.

import { EngineError } from "./errors.mjs";

const ZALO_ID = /^[0-9]{1,32}$/;
const COLOUR = /^c_[0-9a-f]{6}$/;
// The style names zca-js's TextStyle type knows (colours are any c_ + six hex digits).
const STYLES = new Set(["b", "i", "u", "s", "f_13", "f_18", "lst_1", "lst_2", "ind_$"]);
const MAX_TEXT = 100_000;
const MAX_RANGES = 2_000;

export function bad(message) {
  return new EngineError("bad_request", message);
}

export function object(value, name) {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw bad(`${name} must be an object`);
  return value;
}

export function zaloId(value, name, { allowAll = false } = {}) {
  if (typeof value !== "string" || !(ZALO_ID.test(value) || (allowAll && value === "-1"))) {
    throw bad(`${name} must be a Zalo id (1 to 32 digits)`);
  }
  return value;
}

export function text(value, name, { optional = false, max = MAX_TEXT } = {}) {
  if (value === undefined && optional) return "";
  if (typeof value !== "string") throw bad(`${name} must be a string`);
  if (!optional && !value.trim()) throw bad(`${name} must not be empty`);
  if (value.length > max) throw bad(`${name} is longer than ${max} characters`);
  return value;
}

export function bool(value, name) {
  if (typeof value !== "boolean") throw bad(`${name} must be true or false`);
  return value;
}

function count(value, name, { min = 0 } = {}) {
  if (!Number.isInteger(value) || value < min) throw bad(`${name} must be a whole number >= ${min}`);
  return value;
}

function list(value, name) {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw bad(`${name} must be a list`);
  if (value.length > MAX_RANGES) throw bad(`${name} has more than ${MAX_RANGES} entries`);
  return value;
}

// Offsets count UTF-16 code units, as Zalo and zca-js do.
function range(item, name, length) {
  const start = count(item.start ?? item.pos, `${name}.start`);
  const len = count(item.len, `${name}.len`, { min: 1 });
  if (start + len > length) throw bad(`${name} ends at ${start + len}, past the end of the text (${length})`);
  return { start, len };
}

export function styles(value, length) {
  return list(value, "styles").map((raw, i) => {
    const item = object(raw, `styles[${i}]`);
    const { start, len } = range(item, `styles[${i}]`, length);
    const st = item.st;
    if (typeof st !== "string" || !(STYLES.has(st) || COLOUR.test(st))) {
      throw bad(`styles[${i}].st must be one of b, i, u, s, c_<6 hex digits>, f_13, f_18, lst_1, lst_2, ind_$`);
    }
    if (st !== "ind_$") {
      if (item.indentSize !== undefined) throw bad(`styles[${i}].indentSize only goes with ind_$`);
      return { start, len, st };
    }
    const indentSize = item.indentSize === undefined ? 1 : count(item.indentSize, `styles[${i}].indentSize`, { min: 1 });
    if (indentSize > 10) throw bad(`styles[${i}].indentSize must be at most 10`);
    return { start, len, st, indentSize };
  });
}

export function mentions(value, length, isGroup) {
  const items = list(value, "mentions");
  if (items.length && !isGroup) throw bad("mentions are only possible in a group");
  let previousEnd = 0;
  const sorted = items
    .map((raw, i) => {
      const item = object(raw, `mentions[${i}]`);
      const { start, len } = range(item, `mentions[${i}]`, length);
      return { pos: start, len, uid: zaloId(item.uid, `mentions[${i}].uid`, { allowAll: true }) };
    })
    .sort((a, b) => a.pos - b.pos);
  for (const m of sorted) {
    if (m.pos < previousEnd) throw bad("mentions overlap");
    previousEnd = m.pos + m.len;
  }
  return sorted;
}

export function timeout(value, fallback) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 3_600_000) throw bad("timeoutMs must be 1..3600000");
  return value;
}
