/**
 * A forked process of readers (reader-fleet.ts): runs one SseReaderPool and answers the
 * parent's requests over IPC. Exits when the parent disconnects.
 */
import type { WorkerAnswer, WorkerRequest } from './reader-fleet';
import { SseReaderPool } from './sse-reader-pool';

const pool = new SseReaderPool();

async function answer(request: WorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'open':
      return pool.open(request.options);
    case 'expect':
      return pool.expect(request.expectation);
    case 'waitForCompletion':
      return pool.waitForCompletion(request.timeoutMs);
    case 'report':
      return pool.report();
    case 'close':
      return pool.close();
  }
}

process.on('message', (request: WorkerRequest) => {
  answer(request).then(
    (result) => process.send!({ id: request.id, result } satisfies WorkerAnswer),
    (error: unknown) =>
      process.send!({ id: request.id, error: String(error) } satisfies WorkerAnswer),
  );
});
process.once('disconnect', () => {
  pool.close();
  process.exit(0);
});
