import { GrowingBlockStorage } from './growing-block.storage';

const MINUTE = 60_000;

describe('GrowingBlockStorage', () => {
  let now: number;
  let storage: GrowingBlockStorage;

  beforeEach(() => {
    now = Date.parse('2026-11-26T09:00:00Z');
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    storage = new GrowingBlockStorage(['sign-in']);
  });

  afterEach(() => {
    storage.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  /** Attempts until the key is blocked; the block's length in seconds. */
  async function blockLength(key: string, name = 'sign-in'): Promise<number> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const record = await storage.increment(key, MINUTE, 3, MINUTE, name);
      if (record.isBlocked) return record.timeToBlockExpire;
    }
    throw new Error('never blocked');
  }

  it('should double each block that follows another within a day, up to an hour', async () => {
    const lengths: number[] = [];
    for (let block = 0; block < 8; block++) {
      const seconds = await blockLength('sign-in:address:203.0.113.9');
      lengths.push(seconds);
      now += seconds * 1000 + 1;
    }
    expect(lengths).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('should start again from the base block after a quiet day', async () => {
    now += (await blockLength('k')) * 1000 + 1;
    now += (await blockLength('k')) * 1000 + 1;
    now += 25 * 60 * MINUTE;
    expect(await blockLength('k')).toBe(60);
  });

  it('should keep blocks of other limits and other clients as they are', async () => {
    now += (await blockLength('k')) * 1000 + 1;
    expect(await blockLength('k')).toBe(120);
    expect(await blockLength('other')).toBe(60);
    const views = 'views:address:203.0.113.9';
    now += (await blockLength(views, 'views')) * 1000 + 1;
    expect(await blockLength(views, 'views')).toBe(60);
  });
});
