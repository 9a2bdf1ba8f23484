import type { Request } from 'express';
import { InvalidInputError } from '../errors/domain-errors';

/**
 * A host as a Host header may name it: a name (perhaps fully qualified, with its final dot;
 * underscores too, as in Docker's service names) or IPv4 address, or an IPv6 one in brackets;
 * then perhaps a port.
 */
const HOST =
  /^(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The origin of the site's absolute URLs: PUBLIC_URL when set, else the request's Host header
 * and protocol (https when a proxy that TRUST_PROXY trusts says so). X-Forwarded-Host is not
 * used: proxies pass a client's own on, and a crafted one would end up in the feeds and
 * sitemaps that caches keep (keyed by the Host the proxy sets). A Host header that names no
 * host is refused rather than echoed into links.
 */
export function siteOrigin(publicUrl: string | undefined, request: Request): string {
  if (publicUrl) return publicUrl;
  const host = request.get('host') ?? '';
  const origin = `${request.protocol === 'https' ? 'https' : 'http'}://${host}`;
  if (!HOST.test(host) || !URL.canParse(origin)) {
    throw new InvalidInputError('The Host header must name a host');
  }
  return new URL(origin).origin;
}

/** The absolute URLs of the reader pages and feeds on one origin. */
export class SiteLinks {
  constructor(readonly origin: string) {}

  /** The host of the origin, without its port: the authority of the feeds' `tag:` ids. */
  get hostname(): string {
    return new URL(this.origin).hostname;
  }

  absolute(path: string): string {
    return `${this.origin}${path}`;
  }

  blog(slug: string): string {
    return this.absolute(`/blogs/${encodeURIComponent(slug)}`);
  }

  permalink(slug: string, postId: number): string {
    return `${this.blog(slug)}/posts/${postId}`;
  }

  feed(slug: string): string {
    return `${this.blog(slug)}/feed.atom`;
  }

  sitemap(): string {
    return this.absolute('/sitemap.xml');
  }
}

/** The links of the origin `request` is answered on (see siteOrigin). */
export function siteLinks(publicUrl: string | undefined, request: Request): SiteLinks {
  return new SiteLinks(siteOrigin(publicUrl, request));
}
