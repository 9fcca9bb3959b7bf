// The engine's settings, read once from its environment (the Python side sets them).

import os from "node:os";
import path from "node:path";

const PROFILE = /^[A-Za-z0-9_-]+$/;

export class ConfigError extends Error {}

function positiveInt(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive whole number of milliseconds or bytes, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env, name, fallback) {
  const raw = (env[name] ?? "").trim().toLowerCase();
  if (raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0, got ${JSON.stringify(env[name])}`);
}

function expandHome(text) {
  return text === "~" || text.startsWith("~/") ? path.join(os.homedir(), text.slice(1)) : text;
}

export function readConfig(env) {
  const profile = env.ZALOUSER_ENGINE_PROFILE ?? "default";
  if (!PROFILE.test(profile)) {
    throw new ConfigError(`ZALOUSER_ENGINE_PROFILE must match ${PROFILE}, got ${JSON.stringify(profile)}`);
  }
  const zcaModule = env.ZALOUSER_ENGINE_ZCA_JS ?? "";
  if (!zcaModule.trim()) {
    throw new ConfigError("ZALOUSER_ENGINE_ZCA_JS must name the zca-js package folder (or a stand-in module)");
  }
  const home = path.resolve(expandHome(env.ZALOUSER_ENGINE_HOME || env.OPENZCA_HOME || "~/.openzca"));
  const profileDir = path.join(home, "profiles", profile);
  const credentials = env.ZALOUSER_ENGINE_CREDENTIALS
    ? path.resolve(expandHome(env.ZALOUSER_ENGINE_CREDENTIALS))
    : path.join(profileDir, "credentials.json");
  return Object.freeze({
    profile,
    zcaModule: expandHome(zcaModule.trim()),
    home,
    profileDir,
    credentials,
    lock: flag(env, "ZALOUSER_ENGINE_LOCK", true),
    loginTimeoutMs: positiveInt(env, "ZALOUSER_ENGINE_LOGIN_TIMEOUT_MS", 30_000),
    requestTimeoutMs: positiveInt(env, "ZALOUSER_ENGINE_REQUEST_TIMEOUT_MS", 60_000),
    heartbeatMs: positiveInt(env, "ZALOUSER_ENGINE_HEARTBEAT_MS", 15_000),
    drainMs: positiveInt(env, "ZALOUSER_ENGINE_DRAIN_MS", 5_000),
    parentPollMs: positiveInt(env, "ZALOUSER_ENGINE_PARENT_POLL_MS", 1_000),
    maxLineBytes: positiveInt(env, "ZALOUSER_ENGINE_MAX_LINE_BYTES", 4 * 1024 * 1024),
    downloadMaxBytes: positiveInt(env, "ZALOUSER_ENGINE_DOWNLOAD_MAX_BYTES", 50 * 1024 * 1024),
    downloadTimeoutMs: positiveInt(env, "ZALOUSER_ENGINE_DOWNLOAD_TIMEOUT_MS", 60_000),
  });
}
