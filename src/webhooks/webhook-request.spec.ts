import { createHmac } from 'node:crypto';
import { retryDelay } from './webhook-sender';
import { signatureHeader, webhookBody } from './webhook-request';

describe('webhookBody', () => {
  it("should carry the epoch, the event's id, type and blog, and its logged payload untouched", () => {
    const payload = '{"post":{"id":7,"body":"Goal! \\u2028 1-0"}}';
    const body = webhookBody(
      {
        epoch: 'Qm9vdHN0cmFwcGVk',
        id: 42,
        type: 'post',
        payload,
        createdAt: new Date('2026-12-06T09:20:00Z'),
      },
      { id: 3, slug: 'cup-final' },
    );

    expect(JSON.parse(body)).toEqual({
      epoch: 'Qm9vdHN0cmFwcGVk',
      id: 42,
      type: 'post',
      blog: { id: 3, slug: 'cup-final' },
      createdAt: '2026-12-06T09:20:00.000Z',
      data: JSON.parse(payload),
    });
    expect(body.endsWith(`"data":${payload}}`)).toBe(true);
  });
});

describe('signatureHeader', () => {
  it('should sign "<t>.<body>" with HMAC-SHA256 of the secret, as Stripe does', () => {
    const header = signatureHeader('whsec_test', '{"id":1}', 1796563200);
    const expected = createHmac('sha256', 'whsec_test').update('1796563200.{"id":1}').digest('hex');

    expect(header).toBe(`t=1796563200,v1=${expected}`);
    expect(signatureHeader('whsec_other', '{"id":1}', 1796563200)).not.toBe(header);
    expect(signatureHeader('whsec_test', '{"id":1}', 1796563201)).not.toBe(header);
  });
});

describe('retryDelay', () => {
  it('should double from the minimum, within a fifth either way, and stop at the maximum', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const delay = retryDelay(attempt, 10_000, 3_600_000);
      const doubled = Math.min(3_600_000, 10_000 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(doubled * 0.8);
      expect(delay).toBeLessThanOrEqual(Math.min(3_600_000, doubled * 1.2));
    }
    const capped = retryDelay(1000, 10_000, 3_600_000);
    expect(capped).toBeGreaterThanOrEqual(3_600_000 * 0.8);
    expect(capped).toBeLessThanOrEqual(3_600_000);
  });
});
