import { embedFor } from './embeds';
import { renderMarkdown, sanitizeEntryHtml } from './markdown';

const VIDEO_ID = 'dQw4w9WgXcQ';
const NOCOOKIE = `https://www.youtube-nocookie.com/embed/${VIDEO_ID}`;

/** The paragraph markdown-it makes of a URL it only links: what every look-alike must stay. */
const plainLink = (url: string) =>
  `<p><a href="${url.replace(/&/g, '&amp;')}" rel="noopener noreferrer">${url.replace(/&/g, '&amp;')}</a></p>`;

describe(embedFor.name, () => {
  it.each([
    [`https://www.youtube.com/watch?v=${VIDEO_ID}`, NOCOOKIE],
    [`https://youtube.com/watch?feature=share&v=${VIDEO_ID}`, NOCOOKIE],
    [`https://m.youtube.com/watch?v=${VIDEO_ID}`, NOCOOKIE],
    [`https://youtu.be/${VIDEO_ID}`, NOCOOKIE],
    [`https://youtu.be/${VIDEO_ID}?t=90`, `${NOCOOKIE}?start=90`],
    [`https://www.youtube.com/watch?v=${VIDEO_ID}&t=1m30s`, `${NOCOOKIE}?start=90`],
    [`https://www.youtube.com/shorts/${VIDEO_ID}`, NOCOOKIE],
    [`https://www.youtube.com/live/${VIDEO_ID}`, NOCOOKIE],
    [`https://www.youtube.com/embed/${VIDEO_ID}`, NOCOOKIE],
    ['https://vimeo.com/76979871', 'https://player.vimeo.com/video/76979871?dnt=1'],
    ['https://www.vimeo.com/76979871/', 'https://player.vimeo.com/video/76979871?dnt=1'],
    [
      'https://vimeo.com/76979871/8272103f6e',
      'https://player.vimeo.com/video/76979871?dnt=1&h=8272103f6e',
    ],
  ])('should play %s with the privacy-enhanced player %s', (url, playerUrl) => {
    expect(embedFor(url)).toEqual({
      kind: 'video',
      provider: url.includes('vimeo') ? 'Vimeo' : 'YouTube',
      pageUrl: url,
      playerUrl,
    });
  });

  it.each([
    ['https://x.com/bbcsport/status/1790000000000000000', 'X', '@bbcsport'],
    ['https://twitter.com/BBCSport', 'X', '@BBCSport'],
    ['https://mobile.twitter.com/bbcsport/status/20', 'X', '@bbcsport'],
    ['https://x.com/i/spaces/1yoJMWvQyjXGQ', 'X', '/i/spaces/1yoJMWvQyjXGQ'],
    ['https://x.com/search', 'X', '/search'],
    ['https://bsky.app/profile/alice.bsky.social/post/3kq2ab7xyz', 'Bluesky', '@alice.bsky.social'],
    [
      'https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur',
      'Bluesky',
      'did:plc:z72i7hdynmk6r22z27h6tvur',
    ],
    ['https://www.instagram.com/p/C1abcDEFgh/', 'Instagram', '/p/C1abcDEFgh/'],
    ['https://instagram.com/reel/C1abcDEFgh', 'Instagram', '/reel/C1abcDEFgh'],
    ['https://www.instagram.com/natgeo/', 'Instagram', '@natgeo'],
    ['https://www.instagram.com/natgeo/p/C1abcDEFgh/', 'Instagram', '@natgeo'],
    ['https://www.threads.net/@zuck/post/C1abcDEFgh', 'Threads', '@zuck'],
    ['https://www.threads.com/@zuck', 'Threads', '@zuck'],
    ['https://www.tiktok.com/@scout2015/video/6718335390845095173', 'TikTok', '@scout2015'],
    ['https://mastodon.social/@Gargron/109000000000000000', 'Mastodon', '@Gargron@mastodon.social'],
    ['https://mastodon.social/@alice@chaos.social/1100', 'Mastodon', '@alice@chaos.social'],
  ])('should make a card of %s naming %s and %s', (url, provider, name) => {
    expect(embedFor(url)).toEqual({ kind: 'card', provider, url, name });
  });

  it.each([
    `https://youtube.com.evil.test/watch?v=${VIDEO_ID}`,
    `https://evil-youtube.com/watch?v=${VIDEO_ID}`,
    `https://www.youtube.com.evil.test/shorts/${VIDEO_ID}`,
    `https://youtube.com@evil.test/watch?v=${VIDEO_ID}`,
    `https://user:secret@www.youtube.com/watch?v=${VIDEO_ID}`,
    `https://www.youtube.com:8443/watch?v=${VIDEO_ID}`,
    `https://www.youtube.com./watch?v=${VIDEO_ID}`,
    `http://www.youtube.com/watch?v=${VIDEO_ID}`,
    `https://www.youtube.com/watch?v=${VIDEO_ID}x`,
    'https://www.youtube.com/watch?v=short',
    'https://www.youtube.com/@bbcsport',
    'https://vimeo.com.evil.test/76979871',
    'https://notvimeo.com/76979871',
    'https://vimeo.com/channels/staffpicks',
    'http://vimeo.com/76979871',
    'https://x.com.evil.test/bbcsport/status/1',
    'https://evilx.com/bbcsport/status/1',
    'https://bsky.app.evil.test/profile/alice.bsky.social',
    'https://instagram.com.evil.test/p/C1abcDEFgh/',
    'https://example.com/@someone',
    'https://127.0.0.1/@someone/1',
    'https://localhost/@someone/1',
    'ftp://mastodon.social/@Gargron/1',
    'not a url',
  ])('should leave %s a plain link', (url) => {
    expect(embedFor(url)).toBeUndefined();
  });
});

describe('embeds in renderMarkdown', () => {
  it('should render a YouTube URL alone in a paragraph as a two-click placeholder', () => {
    expect(renderMarkdown(`Before\n\nhttps://youtu.be/${VIDEO_ID}\n\nAfter`)).toBe(
      '<p>Before</p>\n' +
        `<figure class="embed-video"><a class="embed-video-play" href="https://youtu.be/${VIDEO_ID}" ` +
        `data-embed="${NOCOOKIE}" rel="noopener noreferrer"><span class="embed-video-button"></span>` +
        '<span class="embed-video-label">Play YouTube video</span> ' +
        '<span class="embed-video-notice">Playing loads it from youtube-nocookie.com</span></a></figure>\n' +
        '<p>After</p>',
    );
  });

  it('should render a Vimeo URL in angle brackets with its do-not-track player', () => {
    const html = renderMarkdown('<https://vimeo.com/76979871>');
    expect(html).toContain('data-embed="https://player.vimeo.com/video/76979871?dnt=1"');
    expect(html).toContain('<span class="embed-video-label">Play Vimeo video</span>');
    expect(html).toContain('Playing loads it from player.vimeo.com');
  });

  it('should escape the query of the video page in the placeholder link', () => {
    expect(renderMarkdown(`https://www.youtube.com/watch?v=${VIDEO_ID}&t=5`)).toContain(
      `href="https://www.youtube.com/watch?v=${VIDEO_ID}&amp;t=5" data-embed="${NOCOOKIE}?start=5"`,
    );
  });

  it.each([
    ['https://bsky.app/profile/alice.bsky.social/post/3kq2ab7xyz', 'Bluesky', '@alice.bsky.social'],
    ['https://x.com/bbcsport/status/1790000000000000000', 'X', '@bbcsport'],
    ['https://www.instagram.com/reel/C1abcDEFgh/', 'Instagram', '/reel/C1abcDEFgh/'],
    ['https://mastodon.social/@Gargron/1', 'Mastodon', '@Gargron@mastodon.social'],
    ['https://www.threads.net/@zuck/post/C1abcDEFgh', 'Threads', '@zuck'],
    ['https://www.tiktok.com/@scout2015/video/6718335390845095173', 'TikTok', '@scout2015'],
  ])('should render %s as a link card of %s naming %s', (url, provider, name) => {
    expect(renderMarkdown(url)).toBe(
      `<p><a class="embed-card" href="${url}" rel="noopener noreferrer">` +
        `<span class="embed-card-provider">${provider}</span> ` +
        `<span class="embed-card-name">${name}</span></a></p>`,
    );
  });

  it.each([
    `https://youtube.com.evil.test/watch?v=${VIDEO_ID}`,
    `https://evil-youtube.com/watch?v=${VIDEO_ID}`,
    `https://youtube.com@evil.test/watch?v=${VIDEO_ID}`,
    `http://www.youtube.com/watch?v=${VIDEO_ID}`,
    `https://www.youtube.com:8443/watch?v=${VIDEO_ID}`,
    'https://vimeo.com.evil.test/76979871',
    'https://x.com.evil.test/bbcsport/status/1',
    'https://bsky.app.evil.test/profile/alice.bsky.social',
  ])('should render the look-alike %s as a plain link', (url) => {
    expect(renderMarkdown(url)).toBe(plainLink(url));
  });

  it('should render a URL without scheme as a plain http link', () => {
    expect(renderMarkdown(`www.youtube.com/watch?v=${VIDEO_ID}`)).toBe(
      `<p><a href="http://www.youtube.com/watch?v=${VIDEO_ID}" rel="noopener noreferrer">` +
        `www.youtube.com/watch?v=${VIDEO_ID}</a></p>`,
    );
  });

  it.each([
    ['in a sentence', `Watch https://youtu.be/${VIDEO_ID} now`],
    ['with text on the next line', `https://youtu.be/${VIDEO_ID}\nThe goal, again`],
    ['with its own link text', `[The goal](https://youtu.be/${VIDEO_ID})`],
    [
      'as a link with the URL as text',
      `[https://youtu.be/${VIDEO_ID}](https://youtu.be/${VIDEO_ID})`,
    ],
    ['twice in one paragraph', `https://youtu.be/${VIDEO_ID} https://youtu.be/${VIDEO_ID}`],
    ['in a list', `- https://youtu.be/${VIDEO_ID}`],
    ['in a quote', '> https://bsky.app/profile/alice.bsky.social'],
    ['in emphasis', `*https://youtu.be/${VIDEO_ID}*`],
  ])('should leave a URL %s a plain link', (_where, source) => {
    const html = renderMarkdown(source);
    expect(html).toContain('<a href="https://');
    expect(html).not.toMatch(/embed|<figure/);
  });

  it('should embed each URL that has a paragraph of its own', () => {
    const html = renderMarkdown(
      `https://youtu.be/${VIDEO_ID}\n\nhttps://bsky.app/profile/alice.bsky.social\n\nhttps://vimeo.com/1`,
    );
    expect(html.match(/class="embed-video"|class="embed-card"/g)).toEqual([
      'class="embed-video"',
      'class="embed-card"',
      'class="embed-video"',
    ]);
  });
});

describe(sanitizeEntryHtml.name, () => {
  const placeholder = (player: string) =>
    `<a class="embed-video-play" href="https://youtu.be/${VIDEO_ID}" data-embed="${player}">x</a>`;

  it.each([NOCOOKIE, 'https://player.vimeo.com/video/1?dnt=1'])(
    'should keep the player URL %s',
    (player) => {
      expect(sanitizeEntryHtml(placeholder(player))).toContain(`data-embed="${player}"`);
    },
  );

  it.each([
    'https://evil.test/embed/x',
    'https://www.youtube-nocookie.com.evil.test/embed/x',
    'https://www.youtube-nocookie.com:8443/embed/x',
    'https://user@player.vimeo.com/video/1',
    'http://player.vimeo.com/video/1',
    'https://www.youtube.com/embed/x',
    'javascript:alert(1)',
    'not a url',
  ])('should drop the player URL %s', (player) => {
    expect(sanitizeEntryHtml(placeholder(player))).toBe(
      `<a class="embed-video-play" href="https://youtu.be/${VIDEO_ID}" rel="noopener noreferrer">x</a>`,
    );
  });

  it("should drop classes other than the embeds' own", () => {
    expect(
      sanitizeEntryHtml(
        '<p class="live-badge"><a class="embed-card skip-link" href="https://x.com/a">' +
          '<span class="embed-card-name visually-hidden">a</span></a></p>',
      ),
    ).toBe(
      '<p><a class="embed-card" href="https://x.com/a" rel="noopener noreferrer">' +
        '<span class="embed-card-name">a</span></a></p>',
    );
  });
});
