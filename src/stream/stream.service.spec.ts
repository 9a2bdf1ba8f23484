import type { AppConfig } from '../config/app-config';
import { DatabaseEpoch } from '../database/database-epoch';
import { EventBus } from '../event-log/event-bus';
import type { EventLog } from '../event-log/event-log.service';
import { MetricsService } from '../metrics/metrics.service';
import type { SseResponse } from './sse-transport';
import { StreamService } from './stream.service';

/** A response whose client went before the stream could open: its socket is destroyed. */
function goneResponse(): SseResponse {
  return {
    onClosed: (listener: () => void) => {
      listener();
      return false;
    },
    offClosed: () => undefined,
    end: () => undefined,
  } as unknown as SseResponse;
}

describe(StreamService.name, () => {
  let metrics: MetricsService;
  let service: StreamService;

  const count = async (counter: 'streamsOpened' | 'streamsClosed') =>
    (await metrics[counter].get()).values.reduce((sum, { value }) => sum + value, 0);

  beforeEach(() => {
    metrics = new MetricsService();
    const config = { SSE_RETRY_MS: 1000, SSE_HEARTBEAT_MS: 15000 } as AppConfig;
    // Neither case below reaches the log.
    const eventLog = {} as EventLog;
    service = new StreamService(config, new EventBus(), eventLog, new DatabaseEpoch('e'), metrics);
  });

  describe('open', () => {
    it('should count a stream refused while the server stops as neither opened nor closed', async () => {
      const refuse = jest.fn();
      const onClose = jest.fn();
      service.beforeApplicationShutdown();

      service.open(1, { kind: 'none' }, { refuse } as unknown as SseResponse, onClose);

      expect(refuse).toHaveBeenCalledTimes(1);
      expect(onClose).toHaveBeenCalledTimes(1);
      expect(await count('streamsOpened')).toBe(0);
      expect(await count('streamsClosed')).toBe(0);
    });

    it('should count a stream whose client went before it opened as opened and closed once', async () => {
      const onClose = jest.fn();

      service.open(1, { kind: 'none' }, goneResponse(), onClose);

      expect(onClose).toHaveBeenCalledTimes(1);
      expect(await count('streamsOpened')).toBe(1);
      expect((await metrics.streamsClosed.get()).values).toEqual([
        expect.objectContaining({ labels: { reason: 'client' }, value: 1 }),
      ]);
    });
  });
});
