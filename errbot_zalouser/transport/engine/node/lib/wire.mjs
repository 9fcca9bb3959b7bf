// Newline-delimited JSON over stdin/stdout. stdout carries protocol lines only: anything else a
// library prints through `console` is sent to stderr (see quietConsole).

export const PROTOCOL = 1;

export function quietConsole() {
  const toStderr = (...args) => {
    try {
      process.stderr.write(`${args.map(String).join(" ")}\n`);
    } catch {
      // stderr gone: nothing left to tell
    }
  };
  for (const name of ["log", "info", "debug", "warn", "error", "trace"]) console[name] = toStderr;
}

export function createWriter(stream) {
  let broken = false;
  stream.on("error", () => {
    broken = true; // EPIPE: the bot is gone; the parent watch ends the process
  });
  return {
    send(obj) {
      if (broken) return;
      stream.write(`${JSON.stringify(obj)}\n`);
    },
    event(name, fields = {}) {
      this.send({ type: "event", event: name, ...fields });
    },
    reply(id, result) {
      this.send({ type: "response", id, ok: true, result });
    },
    fail(id, error) {
      this.send({ type: "response", id, ok: false, error });
    },
  };
}

// Calls onLine(text) for each complete line of `stream` (at most maxBytes each; longer lines are
// dropped and reported through onOversize), and onEnd() once at end of stream.
export function readLines(stream, maxBytes, { onLine, onOversize, onEnd }) {
  let parts = [];
  let size = 0;
  let discarding = false;
  stream.on("data", (chunk) => {
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(10, start);
      if (end < 0) break;
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (discarding || size + piece.length > maxBytes) {
        if (!discarding) onOversize();
        discarding = false;
      } else {
        onLine(Buffer.concat([...parts, piece]).toString("utf8"));
      }
      parts = [];
      size = 0;
    }
    const rest = chunk.subarray(start);
    if (discarding || rest.length === 0) return;
    if (size + rest.length > maxBytes) {
      parts = [];
      size = 0;
      discarding = true;
      onOversize();
      return;
    }
    parts.push(Buffer.from(rest));
    size += rest.length;
  });
  stream.on("end", onEnd);
  stream.on("error", onEnd);
}
