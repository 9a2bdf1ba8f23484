import type { Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { MetricsService } from './metrics.service';
import { PublishTimingMiddleware } from './publish-timing.middleware';

/** A response as the middleware sees it: its events, its status, whether it was all sent. */
class FakeResponse extends EventEmitter {
  statusCode = 200;
  writableFinished = false;
}

describe(PublishTimingMiddleware.name, () => {
  let metrics: MetricsService;
  let response: FakeResponse;

  const request = { method: 'POST', route: { path: '/api/blogs/:slug/posts' } } as Request;
  const timings = async () =>
    (await metrics.publishRequestSeconds.get()).values
      .filter((sample) => sample.metricName === 'liveblog_publish_request_seconds_count')
      .map(({ labels, value }) => ({ status: labels.status, value }));

  beforeEach(() => {
    metrics = new MetricsService();
    response = new FakeResponse();
    const next = jest.fn();
    new PublishTimingMiddleware(metrics).use(request, response as unknown as Response, next);
    expect(next).toHaveBeenCalledTimes(1);
  });

  describe('use', () => {
    it('should time an answered write once, by its status class', async () => {
      response.statusCode = 201;
      response.writableFinished = true;
      response.emit('finish');
      response.emit('close');

      expect(await timings()).toEqual([{ status: '2xx', value: 1 }]);
    });

    it('should time a write whose client went before the answer, as aborted', async () => {
      response.emit('close');

      expect(await timings()).toEqual([{ status: 'aborted', value: 1 }]);
    });
  });
});
