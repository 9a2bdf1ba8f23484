/**
 * Server-Sent Events wire format (WHATWG HTML, "Server-sent events"). A frame is encoded once
 * and the same Buffer is written to every reader: fan-out costs a socket write per reader,
 * not an encoding.
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
