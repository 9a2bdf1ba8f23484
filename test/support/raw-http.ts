import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';

/** A request exactly as it goes on the wire, without a client library's clean-ups. */
export interface RawRequest {
  method: string;
  /** Path and query as sent: already percent-encoded, or deliberately not (`/admin//users`). */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** A body of JSON, sent with its Content-Type (instead of `body`). */
  json?: unknown;
  /** A body of form fields, urlencoded, sent with its Content-Type (instead of `body`). */
  form?: Record<string, string>;
  /** Sent chunked instead of with a Content-Length. */
  chunked?: boolean;
  /**
   * The address to connect from: on Linux all of 127.0.0.0/8 is this host, so each address is
   * a client of its own for the per-address rate limits.
   */
  localAddress?: string;
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
}

/** An HTTP/1.1 client on node:http that sends any bytes and headers a client is able to. */
export class RawHttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  constructor(private readonly baseUrl: string) {}

  send(request: RawRequest): Promise<RawAnswer> {
    // A connection of its own when it comes from another address.
    return sendOn(request.localAddress ? false : this.agent, this.baseUrl, request);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** One request on a connection of its own, closed after the answer. */
export function sendRaw(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  return sendOn(false, baseUrl, request);
}

/**
 * Sends the request; redirects are not followed. A stream's answer (text/event-stream)
 * resolves at its headers, and the stream is hung up.
 */
function sendOn(
  agent: http.Agent | false,
  baseUrl: string,
  request: RawRequest,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const headers: Record<string, string | number> = { ...request.headers };
  let body = request.body;
  if (request.json !== undefined) {
    body = Buffer.from(JSON.stringify(request.json));
    headers['Content-Type'] = 'application/json';
  } else if (request.form !== undefined) {
    body = Buffer.from(new URLSearchParams(request.form).toString());
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  if (body && request.chunked) headers['Transfer-Encoding'] = 'chunked';
  // Node sends a body without either header for DELETE: the server would read it as the
  // next request. Both are set so that every method's body is framed.
  else if (body) headers['Content-Length'] = body.length;
  return new Promise<RawAnswer>((resolve, reject) => {
    let answered = false;
    const outgoing = http.request(
      {
        host: hostname,
        port: Number(port),
        method: request.method,
        path: request.target,
        headers,
        agent,
        localAddress: request.localAddress,
      },
      (response) => {
        answered = true;
        const status = response.statusCode ?? 0;
        if (String(response.headers['content-type']).startsWith('text/event-stream')) {
          response.destroy();
          resolve({ status, headers: response.headers, text: '', json: undefined });
          return;
        }
        const chunks: Buffer[] = [];
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status, headers: response.headers, text, json: parseJson(text) });
        };
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        // 'close' without 'end': the server hung up after its status line; keep what came.
        response.on('end', done);
        response.on('close', done);
      },
    );
    // A server may answer (413) and close before it has read a large body: the write then
    // fails, which is no error once the answer is in.
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    outgoing.end(body);
  });
}

/**
 * Sends bytes exactly as given over a TCP connection (no client library to normalise `..`,
 * encodings or backslashes) and reads the answer until the server closes.
 */
export function sendBytes(baseUrl: string, bytes: string | Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<RawAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server that answers before reading everything may reset the connection after.
    socket.on('error', (error) => (chunks.length > 0 ? undefined : reject(error)));
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks))));
  });
}

/** A GET of exactly this request target, on a connection of its own. */
export function getExactly(
  baseUrl: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const { host } = new URL(baseUrl);
  const lines = Object.entries({ Host: host, Connection: 'close', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return sendBytes(baseUrl, `GET ${target} HTTP/1.1\r\n${lines}\r\n`);
}

/**
 * An HTTP/1.1 answer as bytes: status, headers as node:http gives them (lower case, repeats
 * joined but for Set-Cookie), body (chunked decoded).
 */
function parseAnswer(bytes: Buffer): RawAnswer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return answerOf(0, {}, bytes.toString('latin1'));
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') headers[name] = [...(headers[name] ?? []), value];
    else headers[name] = name in headers ? `${String(headers[name])}, ${value}` : value;
  }
  let body = bytes.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return answerOf(Number(statusLine.split(' ')[1]), headers, body.toString('utf8'));
}

function answerOf(status: number, headers: IncomingHttpHeaders, text: string): RawAnswer {
  return { status, headers, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
