import http, { type IncomingHttpHeaders } from 'node:http';

/** A request exactly as it goes on the wire, without a client library's clean-ups. */
export interface RawRequest {
  method: string;
  /** Path and query as sent: already percent-encoded, or deliberately not. */
  target: string;
  headers?: Record<string, string>;
  body?: Buffer;
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
    const { hostname, port } = new URL(this.baseUrl);
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body && request.chunked) headers['Transfer-Encoding'] = 'chunked';
    // Node sends a body without either header for DELETE: the server would read it as the
    // next request. Both are set so that every method's body is framed.
    else if (request.body) headers['Content-Length'] = request.body.length;
    return new Promise<RawAnswer>((resolve, reject) => {
      let answered = false;
      const outgoing = http.request(
        {
          host: hostname,
          port: Number(port),
          method: request.method,
          path: request.target,
          headers,
          // A connection of its own when it comes from another address.
          agent: request.localAddress ? false : this.agent,
          localAddress: request.localAddress,
        },
        (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          const done = () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text,
              json: parseJson(text),
            });
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
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
