import type { IncomingHttpHeaders } from 'node:http';

/** The policy of every answer, directive by directive (frame-ancestors set by FRAME_ANCESTORS). */
function strictPolicy(frameAncestors: string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'https:'],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    // Written out, not imported: a player host added in the code must be added here on purpose.
    'frame-src': ['https://www.youtube-nocookie.com', 'https://player.vimeo.com'],
    'frame-ancestors': frameAncestors,
  };
}

/** A Content-Security-Policy header as directives; a directive given twice is kept twice. */
function directivesOf(header: string | string[] | undefined): Record<string, string[]> {
  if (typeof header !== 'string') return { missing: [String(header)] };
  const directives: Record<string, string[]> = {};
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    const key = name in directives ? `${name} (again)` : name;
    directives[key] = sources;
  }
  return directives;
}

/**
 * What every answer must carry, named after the answer so a failure says which one: the
 * strict policy (no 'unsafe-*', nonces, hashes or wildcards), and the other security headers.
 */
export function expectSecurityHeaders(
  what: string,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  frameAncestors: string[] = ["'self'"],
): void {
  const policy = headers['content-security-policy'];
  expect({ what, policy: directivesOf(policy) }).toEqual({
    what,
    policy: strictPolicy(frameAncestors),
  });
  // frame-ancestors is compared whole above (the embed page's may be `*`: any site).
  const rest = String(policy).replace(/frame-ancestors[^;]*/, '');
  expect({ what, loose: rest.match(/'unsafe-[\w-]+'|'nonce-|'sha\d+-|\*/g) }).toEqual({
    what,
    loose: null,
  });
  expect({
    what,
    xFrameOptions: headers['x-frame-options'],
    referrerPolicy: headers['referrer-policy'],
    contentTypeOptions: headers['x-content-type-options'],
    hsts: headers['strict-transport-security'],
    poweredBy: headers['x-powered-by'],
  }).toEqual({
    what,
    xFrameOptions: frameAncestors.join(' ') === "'self'" ? 'SAMEORIGIN' : undefined,
    referrerPolicy: 'strict-origin-when-cross-origin',
    contentTypeOptions: 'nosniff',
    hsts: undefined,
    poweredBy: undefined,
  });
}
