// One owner per profile, in the format openzca's `listen` uses for its own lock
// (profiles/<p>/listener-owner.json: {pid, profile, sessionId, startedAt}), so that a CLI listener
// and this engine keep each other out, and two bots on one profile cannot both hold a session.
//
// The file is created complete or not at all: written under a temporary name, then hard-linked
// to the lock name (link fails if the name exists). A lock whose pid is dead is stale and taken over.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

import { EngineError } from "./errors.mjs";

const LOCK_NAME = "listener-owner.json";
const ATTEMPTS = 3;
const YOUNG_MS = 5_000; // an unreadable lock younger than this may still be being written

export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

function readOwner(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if (err.code === "ENOENT") return { missing: true };
    throw err;
  }
  try {
    const data = JSON.parse(text);
    const pid = Number(data?.pid);
    return Number.isInteger(pid) && pid > 0 ? { pid } : { unreadable: true };
  } catch {
    return { unreadable: true };
  }
}

function young(file) {
  try {
    return Date.now() - fs.statSync(file).mtimeMs < YOUNG_MS;
  } catch {
    return false;
  }
}

function busy(profile, pid) {
  return new EngineError(
    "profile_locked",
    `profile "${profile}" is already in use by process ${pid} (another bot on the zca-js engine, or a ` +
      "`zca listen`): stop that process, or give this account a profile of its own",
  );
}

export function acquireLock(profileDir, profile, sessionId) {
  fs.mkdirSync(profileDir, { recursive: true, mode: 0o700 });
  const file = path.join(profileDir, LOCK_NAME);
  const record = { pid: process.pid, profile, sessionId, startedAt: new Date().toISOString() };
  const temp = path.join(profileDir, `.${LOCK_NAME}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`);
  fs.writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      try {
        fs.linkSync(temp, file);
        return lockHandle(file);
      } catch (err) {
        if (err.code !== "EEXIST") throw err;
      }
      const owner = readOwner(file);
      if (owner.pid && pidAlive(owner.pid)) throw busy(profile, owner.pid);
      if (owner.unreadable && young(file)) throw busy(profile, "unknown (its lock is being written)");
      fs.rmSync(file, { force: true }); // stale: its owner is gone
    }
    throw new EngineError("profile_locked", `could not take the lock ${file} (it keeps coming back)`);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function lockHandle(file) {
  let held = true;
  return {
    file,
    // Synchronous, so that it also runs from process.on("exit").
    release() {
      if (!held) return;
      held = false;
      const owner = readOwner(file);
      if (owner.pid === process.pid) fs.rmSync(file, { force: true });
    },
  };
}
