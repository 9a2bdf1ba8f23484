import type { Request } from 'express';
import { InvalidInputError } from '../errors/domain-errors';
import { SiteLinks, siteOrigin } from './site-links';

const requestFor = (protocol: string, host: string | undefined) =>
  ({ protocol, get: (name: string) => (name === 'host' ? host : undefined) }) as unknown as Request;

describe(siteOrigin.name, () => {
  it('should take PUBLIC_URL whatever the request says', () => {
    expect(siteOrigin('https://live.example.com', requestFor('http', 'evil.example'))).toBe(
      'https://live.example.com',
    );
  });

  it.each([
    ['http', 'live.example.com', 'http://live.example.com'],
    ['https', 'Live.Example.com:443', 'https://live.example.com'],
    ['http', '127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http', '[::1]:3000', 'http://[::1]:3000'],
    ['http', 'live.example.com.', 'http://live.example.com.'],
    ['http', 'liveblog_app:3000', 'http://liveblog_app:3000'],
    // A trusted proxy's X-Forwarded-Proto that is neither: plain http, not `javascript:`.
    ['javascript', 'live.example.com', 'http://live.example.com'],
  ])('should take the request’s %s and host %p without PUBLIC_URL', (protocol, host, origin) => {
    expect(siteOrigin(undefined, requestFor(protocol, host))).toBe(origin);
  });

  it.each([
    undefined,
    '',
    'evil.example/path',
    'a b',
    'evil.example"><x',
    'user@evil.example',
    'live.example.com:99999',
  ])('should refuse the host %p', (host) => {
    expect(() => siteOrigin(undefined, requestFor('http', host))).toThrow(InvalidInputError);
  });
});

describe(SiteLinks.name, () => {
  const links = new SiteLinks('https://live.example.com:8443');

  it('should make the absolute URLs of pages and feeds', () => {
    expect(links.blog('cup-final')).toBe('https://live.example.com:8443/blogs/cup-final');
    expect(links.permalink('cup-final', 7)).toBe(
      'https://live.example.com:8443/blogs/cup-final/posts/7',
    );
    expect(links.feed('cup-final')).toBe('https://live.example.com:8443/blogs/cup-final/feed.atom');
    expect(links.sitemap()).toBe('https://live.example.com:8443/sitemap.xml');
    expect(links.hostname).toBe('live.example.com');
  });
});
