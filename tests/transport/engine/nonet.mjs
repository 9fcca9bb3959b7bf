// Loaded with `node --import` into the engine for the tests that use the real zca-js: no request
// leaves the machine. Every fetch is recorded in $NONET_LOG; then, with $NONET_MODE
//   "refuse"       Zalo's hosts answer as Zalo does to bad credentials (error_code 102, no data);
//   "unreachable"  every request fails as Node's fetch does when DNS finds nothing.
import fs from "node:fs";

const log = process.env.NONET_LOG;
const mode = process.env.NONET_MODE ?? "unreachable";

globalThis.fetch = async (input) => {
  const url = String(input instanceof Request ? input.url : input);
  if (log) fs.appendFileSync(log, `${url}\n`);
  const host = new URL(url).hostname;
  if (mode === "refuse" && (host === "zalo.me" || host.endsWith(".zalo.me"))) {
    const body = { error_code: 102, error_message: "The session key was improperly submitted", data: null };
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  }
  const cause = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  throw new TypeError("fetch failed", { cause });
};
