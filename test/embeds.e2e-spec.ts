import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { DomUtils, parseDocument } from './support/html-parser';
import { RawSseReader, streamUrl } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

const VIDEO_URL = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
const SKEET_URL = 'https://bsky.app/profile/alice.bsky.social/post/3kq2ab7xyz';

/** The inner HTML of the element with `id` in a page, as the parser serializes it. */
function innerHtmlOf(page: string, id: string): string {
  const element = DomUtils.getElementById(id, parseDocument(page).children);
  const body =
    element && DomUtils.findOne((node) => node.attribs.class === 'entry-body', [element]);
  if (!body) throw new Error(`No entry body in #${id}`);
  return DomUtils.getInnerHTML(body);
}

describe('Embeds', () => {
  let dataDir: string;
  let testApp: TestApp;
  let stream: RawSseReader | undefined;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
  });

  afterEach(async () => {
    stream?.close();
    await testApp.close();
    removeDataDir(dataDir);
  });

  it('should send the stream the same video placeholder and link card as the pages show', async () => {
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    const { slug } = await createBlog(testApp, token);
    stream = await RawSseReader.connect(streamUrl(testApp, slug));

    const { post, eventId } = await publishPost(testApp, token, slug, {
      body: `The goal again:\n\n${VIDEO_URL}\n\nAnd what the keeper said:\n\n${SKEET_URL}`,
    });
    await stream.waitForId(eventId);

    const [event] = stream.entryEvents;
    expect(event.event).toBe('post');
    const { html } = (JSON.parse(event.data) as { post: { html: string } }).post;
    expect(html).toContain(
      `<a class="embed-video-play" href="${VIDEO_URL}" ` +
        'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" rel="noopener noreferrer">',
    );
    expect(html).toContain(
      `<a class="embed-card" href="${SKEET_URL}" rel="noopener noreferrer">` +
        '<span class="embed-card-provider">Bluesky</span> ' +
        '<span class="embed-card-name">@alice.bsky.social</span></a>',
    );
    const reader = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
    const permalink = await request(testApp.url).get(`/blogs/${slug}/posts/${post.id}`).expect(200);
    for (const page of [reader.text, permalink.text]) {
      expect(page).toContain(`<div class="entry-body">${html}</div>`);
      expect(innerHtmlOf(page, `post-${post.id}`)).toBe(DomUtils.getInnerHTML(parseDocument(html)));
    }
    // The permalink has no script of its own but those that play videos and share the entry.
    // (Its JSON-LD is data, not a script to run: test/search-engines.e2e-spec.ts.)
    expect(permalink.text.match(/<script\b(?! type="application\/ld\+json")[^>]*>/g)).toEqual([
      expect.stringMatching(
        /^<script type="module" src="\/static\/js\/video-embeds\.js\?v=[0-9a-f]{12}">$/,
      ),
      expect.stringMatching(
        /^<script type="module" src="\/static\/js\/share-entry\.js\?v=[0-9a-f]{12}">$/,
      ),
    ]);
  });
});
