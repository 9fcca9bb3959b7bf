// Loading zca-js, reading the profile's stored credentials and logging in once.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { EngineError, classify } from "./errors.mjs";

const INSTALL_HINT = "run: python -m errbot_zalouser engine install";

// `spec` is a package folder (node_modules/zca-js), a module file, or a bare package name.
export async function loadZcaModule(spec) {
  let target = spec;
  let version = "";
  try {
    if (path.isAbsolute(spec) || spec.startsWith(".")) {
      const full = path.resolve(spec);
      if (!fs.existsSync(full)) {
        throw new EngineError("not_installed", `zca-js is not installed at ${full}: ${INSTALL_HINT}`);
      }
      if (fs.statSync(full).isDirectory()) {
        const pkg = JSON.parse(fs.readFileSync(path.join(full, "package.json"), "utf8"));
        version = String(pkg.version ?? "");
        target = pathToFileURL(path.join(full, entryOf(pkg))).href;
      } else {
        target = pathToFileURL(full).href;
      }
    }
    const module = await import(target);
    if (typeof module.Zalo !== "function") {
      throw new EngineError("not_installed", `${spec} does not export zca-js's Zalo class: ${INSTALL_HINT}`);
    }
    return { module, version };
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError("not_installed", `cannot load zca-js from ${spec} (${err.message}): ${INSTALL_HINT}`);
  }
}

function entryOf(pkg) {
  const root = pkg.exports?.["."] ?? pkg.exports;
  const entry = (typeof root === "object" && root !== null ? root.import ?? root.default : root) ?? pkg.main;
  if (typeof entry !== "string") throw new Error("its package.json names no ES module entry");
  return entry;
}

export function readCredentials(file, profile) {
  const relogin = `run: zca --profile ${profile} auth login`;
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const why = err.code === "ENOENT" ? "has no stored credentials" : `credentials cannot be read (${err.code})`;
    throw new EngineError("auth", `profile "${profile}" ${why} at ${file}: ${relogin}`);
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new EngineError("auth", `credentials file ${file} is not valid JSON: ${relogin}`);
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    throw new EngineError("auth", `credentials file ${file} does not hold an object: ${relogin}`);
  }
  return data;
}

export function withTimeout(promise, ms, onTimeout) {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

// Logs in with stored credentials; the update check and zca-js's own console logging are off.
export async function login(module, credentials, timeoutMs) {
  const zalo = new module.Zalo({ selfListen: false, checkUpdate: false, logging: false });
  try {
    return await withTimeout(
      zalo.login(credentials),
      timeoutMs,
      () => new EngineError("timeout", `login did not finish within ${timeoutMs} ms`),
    );
  } catch (err) {
    const info = classify(err, { duringLogin: true });
    throw new EngineError(info.kind, `login failed: ${info.message}`, { code: info.code });
  }
}
