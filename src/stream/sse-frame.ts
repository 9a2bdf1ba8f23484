/**
 * Server-Sent Events wire format (WHATWG HTML, "Server-sent events"). A frame is encoded once
 * and the same Buffer is written to every reader (architecture.md, invariant 4).
 */

export interface SseEvent {
  /** The event log id; absent for ephemeral events, so the client's last event id stays put. */
  id?: number;
  type: string;
  /** One line of JSON. */
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

export function encodeFrame(event: SseEvent): Buffer {
  if (LINE_BREAK.test(event.type))
    throw new Error(`SSE event type with a line break: ${event.type}`);
  const id = event.id === undefined ? '' : `id: ${Math.trunc(event.id)}\n`;
  // JSON never holds a raw line break, but a data line must not end the field early whatever
  // it is given: each line becomes its own data: line, which the client joins with \n.
  const data = event.data
    .split(LINE_BREAK)
    .map((line) => `data: ${line}\n`)
    .join('');
  return Buffer.from(`${id}event: ${event.type}\n${data}\n`);
}

/** The reconnection delay, sent first on every stream. */
export function encodeRetry(milliseconds: number): Buffer {
  return Buffer.from(`retry: ${Math.trunc(milliseconds)}\n\n`);
}

/** A comment line: ignored by clients, keeps proxies and NATs from closing an idle stream. */
export const HEARTBEAT_FRAME = Buffer.from(':\n\n');

const CRLF = Buffer.from('\r\n');

/**
 * A frame as one HTTP/1.1 chunk (`<hex length>\r\n<frame>\r\n`), built once per event so each
 * reader's socket gets a single write of a shared Buffer (ReaderConnection).
 */
export function asChunk(frame: Buffer): Buffer {
  const size = Buffer.from(`${frame.length.toString(16)}\r\n`);
  // Its own memory, not a slice of Node's shared pool: recent chunks are kept a while, and a
  // kept slice would keep its whole 8 KiB pool block.
  const chunk = Buffer.allocUnsafeSlow(size.length + frame.length + CRLF.length);
  size.copy(chunk, 0);
  frame.copy(chunk, size.length);
  CRLF.copy(chunk, size.length + frame.length);
  return chunk;
}

/** The frames inside one or more consecutive chunks made by asChunk, without copying them. */
export function chunkPayloads(chunks: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  for (let at = 0; at < chunks.length;) {
    const sizeEnd = chunks.indexOf(CRLF, at);
    const start = sizeEnd + CRLF.length;
    const end = start + parseInt(chunks.toString('latin1', at, sizeEnd), 16);
    payloads.push(chunks.subarray(start, end));
    at = end + CRLF.length;
  }
  return payloads;
}
