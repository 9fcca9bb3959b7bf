// Fetching a media URL into a private temporary file (zca-js uploads files, not URLs), bounded in
// size and time; the caller removes the folder afterwards.

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { EngineError } from "./errors.mjs";

// Letters and digits of any script are kept (a Vietnamese file name reaches the chat readable);
// separators, controls, spaces and other marks become "_".
const SAFE_NAME = /[^\p{L}\p{M}\p{N}._-]+/gu;

// The name the recipient sees: the URL path's last segment, percent-escapes decoded.
export function fileNameFor(url, kind) {
  let base = "";
  try {
    base = path.basename(decodeURIComponent(new URL(url).pathname));
  } catch {
    base = "";
  }
  base = Array.from(base.normalize("NFC").replace(SAFE_NAME, "_").replace(/^[._]+/, "")).slice(-80).join("");
  if (!base || !base.includes(".")) base = `${base || kind}.${kind === "image" ? "jpg" : kind === "video" ? "mp4" : "bin"}`;
  return base;
}

export async function download(url, kind, { maxBytes, timeoutMs }) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new EngineError("bad_request", "url is not a valid URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new EngineError("bad_request", "url must be http or https");
  }
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), "zalouser-engine-"));
  const file = path.join(folder, fileNameFor(url, kind));
  try {
    const response = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    if (!response.ok) throw new EngineError("network", `fetching the media URL gave HTTP ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > maxBytes) throw new EngineError("bad_request", `the media is larger than ${maxBytes} bytes`);
    const chunks = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > maxBytes) throw new EngineError("bad_request", `the media is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    await fs.writeFile(file, Buffer.concat(chunks), { mode: 0o600 });
    return { file, folder };
  } catch (err) {
    await fs.rm(folder, { recursive: true, force: true });
    if (err instanceof EngineError) throw err;
    if (err?.name === "TimeoutError") throw new EngineError("timeout", `fetching the media URL took over ${timeoutMs} ms`);
    throw new EngineError("network", `fetching the media URL failed: ${err?.message ?? err}`);
  }
}
