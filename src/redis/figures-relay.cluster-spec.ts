import { filter, firstValueFrom } from 'rxjs';
import { EventBus } from '../event-log/event-bus';
import { type BlogFigures, viewCounts } from '../event-log/events';
import { TestRedis } from '../../test/support/redis';
import { FiguresRelay } from './figures-relay';
import { RedisConnection } from './redis-connection';

describe(FiguresRelay.name, () => {
  const redis = new TestRedis();

  afterEach(() => redis.deleteAll());

  async function startRelay(connection = redis.process()) {
    const bus = new EventBus();
    const relay = new FiguresRelay(connection, bus);
    await relay.onModuleInit();
    const figures: BlogFigures[] = [];
    bus.figures$.subscribe((figure) => figures.push(figure));
    return { bus, relay, figures, connection };
  }

  describe('publish', () => {
    it("should put figures on every process's bus, the publisher's too, once each", async () => {
      const [first, second] = [await startRelay(), await startRelay()];
      const figures = viewCounts(7, { 12: 3 });
      const arrived = [first, second].map(({ bus }) =>
        firstValueFrom(bus.figures$.pipe(filter((figure) => figure.blogId === 8))),
      );

      await second.relay.publish(figures);
      // Messages of a channel arrive in order: once this one is in, the first one is too.
      await first.relay.publish(viewCounts(8, {}));
      await Promise.all(arrived);

      expect(first.figures).toEqual([figures, viewCounts(8, {})]);
      expect(second.figures).toEqual([figures, viewCounts(8, {})]);
    });

    it('should ignore what is not figures on the channel', async () => {
      const { bus, connection, figures } = await startRelay();
      const arrived = firstValueFrom(bus.figures$);
      const channel = connection.channel('figures');
      await connection.client.publish(channel, 'not JSON');
      await connection.client.publish(channel, JSON.stringify({ blogId: 'x', type: 'views' }));
      await connection.client.publish(channel, JSON.stringify(viewCounts(1, {})));

      await arrived;
      expect(figures).toEqual([viewCounts(1, {})]);
    });

    it("should start, and put figures on this process's bus alone, while Redis cannot be reached", async () => {
      const unreachable = new RedisConnection('redis://127.0.0.1:1', { prefix: redis.prefix });
      const bus = new EventBus();
      const relay = new FiguresRelay(unreachable, bus);
      const figures: BlogFigures[] = [];
      bus.figures$.subscribe((figure) => figures.push(figure));
      try {
        await relay.onModuleInit();
        await relay.publish(viewCounts(1, { 2: 3 }));
        expect(figures).toEqual([viewCounts(1, { 2: 3 })]);
      } finally {
        await unreachable.close();
      }
    });
  });
});
