/**
 * Which URLs an entry shows as more than a link: a video of YouTube or Vimeo as a player that
 * loads only when the reader asks for it (two-click privacy), a post of a social network as a
 * card that names it without loading anything from there. Hosts are matched exactly, never by
 * suffix or substring, so `youtube.com.evil.test` stays a plain link.
 */

/** The hosts whose players a page may frame: the pages' CSP frame-src, and nothing else. */
export const VIDEO_PLAYER_ORIGINS = [
  'https://www.youtube-nocookie.com',
  'https://player.vimeo.com',
] as const;

export interface VideoEmbed {
  kind: 'video';
  provider: 'YouTube' | 'Vimeo';
  /** The video's page at the provider: where the placeholder leads without JavaScript. */
  pageUrl: string;
  /** The privacy-enhanced player, on one of VIDEO_PLAYER_ORIGINS. */
  playerUrl: string;
}

export interface LinkCard {
  kind: 'card';
  provider: 'X' | 'Bluesky' | 'Instagram' | 'Mastodon' | 'Threads' | 'TikTok';
  url: string;
  /** The account (`@alice.bsky.social`), or the URL's path when it names none. */
  name: string;
}

export type Embed = VideoEmbed | LinkCard;

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com']);
/** `/shorts/ID`, `/live/ID`, `/embed/ID` on youtube.com. */
const YOUTUBE_PATH = /^\/(?:shorts|live|embed)\/([A-Za-z0-9_-]{11})\/?$/;
/** A start time as YouTube links write it: `90`, `90s`, `1m30s`, `1h2m3s`. */
const YOUTUBE_TIME = /^(?:(\d{1,2})h)?(?:(\d{1,4})m)?(?:(\d{1,6})s?)?$/;

const VIMEO_HOSTS = new Set(['vimeo.com', 'www.vimeo.com']);
/** `/ID`, or `/ID/HASH` of an unlisted video (its player needs the hash). */
const VIMEO_PATH = /^\/(\d{1,12})(?:\/([0-9a-f]{6,20}))?\/?$/;

const X_HOSTS = new Set([
  'x.com',
  'www.x.com',
  'mobile.x.com',
  'twitter.com',
  'www.twitter.com',
  'mobile.twitter.com',
]);
/** `/handle` or `/handle/status/ID`; X's own pages share the shape and are no accounts. */
const X_PATH = /^\/([A-Za-z0-9_]{1,15})(?:\/status\/\d{1,20})?\/?$/;
const X_PAGES = new Set(['home', 'explore', 'search', 'hashtag', 'i', 'intent', 'settings']);

/** `/profile/<handle or DID>` with an optional `/post/<record key>`. */
const BLUESKY_PATH =
  /^\/profile\/((?:[a-z0-9-]{1,63}\.)+[a-z][a-z0-9-]{0,62}|did:[a-z]+:[A-Za-z0-9._:-]{1,200})(?:\/post\/[a-z0-9]{1,20})?\/?$/i;

const INSTAGRAM_HOSTS = new Set(['instagram.com', 'www.instagram.com']);
/** `/handle/`, or a post (`/p/`, `/reel/`, `/tv/`) with the account's handle before it or not. */
const INSTAGRAM_PATH =
  /^\/(?:([A-Za-z0-9._]{1,30})\/?$|(?:([A-Za-z0-9._]{1,30})\/)?(?:p|reels?|tv)\/[A-Za-z0-9_-]{5,40}\/?$)/;
const INSTAGRAM_PAGES = new Set(['p', 'reel', 'reels', 'tv', 'explore', 'stories', 'accounts']);

const THREADS_HOSTS = new Set(['threads.net', 'www.threads.net', 'threads.com', 'www.threads.com']);
const THREADS_PATH = /^\/@([A-Za-z0-9._]{1,30})(?:\/post\/[A-Za-z0-9_-]{5,40})?\/?$/;

const TIKTOK_HOSTS = new Set(['tiktok.com', 'www.tiktok.com', 'm.tiktok.com']);
const TIKTOK_PATH = /^\/@([A-Za-z0-9._]{2,24})(?:\/(?:video|photo)\/\d{1,20})?\/?$/;

/**
 * A status on any Mastodon server: `/@user/ID`, or `/@user@home.server/ID` for an account of
 * another server seen from this one. A profile alone (`/@user`) is too common a shape on the
 * web to call Mastodon.
 */
const MASTODON_PATH = /^\/@([A-Za-z0-9_]{1,30})(?:@([a-z0-9.-]{1,253}))?\/\d{1,20}\/?$/;
/** A domain name (no IP address, no single label like `localhost`). */
const DOMAIN_NAME = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * What `href` becomes when it is all a paragraph holds; undefined for a plain link. Only
 * `https:` URLs on the default port and without user info qualify: anything else is not
 * what it seems (`https://youtube.com@evil.test/` goes to evil.test).
 */
export function embedFor(href: string): Embed | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username !== '' || url.password !== '') {
    return undefined;
  }
  return videoFor(url, href) ?? cardFor(url, href);
}

function videoFor(url: URL, href: string): VideoEmbed | undefined {
  const host = url.hostname;
  if (YOUTUBE_HOSTS.has(host) || host === 'youtu.be') {
    const id =
      host === 'youtu.be'
        ? url.pathname.slice(1)
        : url.pathname === '/watch'
          ? url.searchParams.get('v')
          : YOUTUBE_PATH.exec(url.pathname)?.[1];
    if (!id || !YOUTUBE_ID.test(id)) return undefined;
    const start = startSeconds(url.searchParams.get('t') ?? url.searchParams.get('start'));
    const player = `https://www.youtube-nocookie.com/embed/${id}`;
    return {
      kind: 'video',
      provider: 'YouTube',
      pageUrl: href,
      playerUrl: start ? `${player}?start=${start}` : player,
    };
  }
  if (VIMEO_HOSTS.has(host)) {
    const match = VIMEO_PATH.exec(url.pathname);
    if (!match) return undefined;
    const [, id, hash] = match;
    // dnt=1: the player sets no cookies and sends no viewing data to analytics.
    const player = `https://player.vimeo.com/video/${id}?dnt=1`;
    return {
      kind: 'video',
      provider: 'Vimeo',
      pageUrl: href,
      playerUrl: hash ? `${player}&h=${hash}` : player,
    };
  }
  return undefined;
}

/** Seconds of a YouTube start time; undefined for none, zero or a malformed one. */
function startSeconds(time: string | null): number | undefined {
  const match = time ? YOUTUBE_TIME.exec(time) : null;
  if (!match) return undefined;
  const [, hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds) || undefined;
}

function cardFor(url: URL, href: string): LinkCard | undefined {
  const host = url.hostname;
  const path = url.pathname;
  const card = (provider: LinkCard['provider'], name: string | undefined): LinkCard => ({
    kind: 'card',
    provider,
    url: href,
    name: name ?? (path === '/' ? host : path),
  });
  const handle = (name: string | undefined) => (name ? `@${name}` : undefined);

  if (X_HOSTS.has(host)) {
    const name = X_PATH.exec(path)?.[1];
    return card('X', name && !X_PAGES.has(name.toLowerCase()) ? `@${name}` : undefined);
  }
  if (host === 'bsky.app') {
    const name = BLUESKY_PATH.exec(path)?.[1];
    return card('Bluesky', name?.startsWith('did:') ? name : handle(name?.toLowerCase()));
  }
  if (INSTAGRAM_HOSTS.has(host)) {
    const match = INSTAGRAM_PATH.exec(path);
    const name = match?.[1] ?? match?.[2];
    return card('Instagram', name && !INSTAGRAM_PAGES.has(name) ? `@${name}` : undefined);
  }
  if (THREADS_HOSTS.has(host)) return card('Threads', handle(THREADS_PATH.exec(path)?.[1]));
  if (TIKTOK_HOSTS.has(host)) return card('TikTok', handle(TIKTOK_PATH.exec(path)?.[1]));

  const [, user, server = host] = MASTODON_PATH.exec(path) ?? [];
  if (user && DOMAIN_NAME.test(host) && DOMAIN_NAME.test(server)) {
    return card('Mastodon', `@${user}@${server}`);
  }
  return undefined;
}

/** Whether `url` may be framed: a player on one of VIDEO_PLAYER_ORIGINS, nothing else. */
export function isVideoPlayerUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      (VIDEO_PLAYER_ORIGINS as readonly string[]).includes(parsed.origin) &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}
