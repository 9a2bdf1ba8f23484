/**
 * The naive peer of bench/fanout: SSE the way the tutorials teach it. A `Set` of open
 * responses; each publish builds the entry and, for every client, `JSON.stringify`s it and
 * `res.write`s the frame. No log, no resume, no heartbeat. Run as its own process:
 *
 *   PORT=4000 node -r ts-node/register/transpile-only bench/fanout/naive-express.ts
 */
import express, { type Response } from 'express';
import { lookAlikePost } from './look-alike-post';

const clients = new Set<Response>();
let lastId = 0;

const app = express();
app.use(express.json());

app.get('/health', (_req, res) => {
  res.json({ status: 'ok' });
});

app.get('/blogs/:slug/events', (req, res) => {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.write('retry: 3000\n\n');
  clients.add(res);
  req.on('close', () => clients.delete(res));
});

app.post('/blogs/:slug/posts', (req, res) => {
  const { body } = req.body as { body: string };
  lastId += 1;
  const post = lookAlikePost(lastId, body);
  for (const client of clients) {
    client.write(`id: ${lastId}\nevent: post\ndata: ${JSON.stringify({ post })}\n\n`);
  }
  res.status(201).json({ post, eventId: lastId });
});

const server = app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '127.0.0.1', () =>
  console.log(`naive express serving on ${JSON.stringify(server.address())}`),
);
process.on('SIGTERM', () => {
  for (const client of clients) client.end();
  server.close(() => process.exit(0));
});
