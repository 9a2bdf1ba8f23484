import { XMLParser, XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { uploadPhoto } from './support/photos';
import { waitUntil } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * A blog's Atom feed: the document checked against RFC 4287's required elements and the
 * entries made through the API, and its conditional GET (ETag, Last-Modified, 304).
 */

type Json = Record<string, any>;

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/** An Atom document as plain objects: text as text (no numbers), entries, links and authors as arrays. */
function parseAtom(xml: string): Json {
  expect(XMLValidator.validate(xml)).toBe(true);
  return new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => ['entry', 'link', 'author', 'contributor'].includes(name),
  }).parse(xml) as Json;
}

/** The text of an element parsed with attributes: a string, or `#text` beside them. */
function textOf(element: unknown): string {
  return typeof element === 'string' ? element : ((element as Json)['#text'] as string);
}

function linkOf(element: Json, rel: string): Json | undefined {
  return (element.link as Json[]).find((link) => (link['@_rel'] ?? 'alternate') === rel);
}

/** RFC 4287's required elements of a feed and of each of its entries. */
function expectValidAtom(feed: Json): void {
  expect(feed['@_xmlns']).toBe(ATOM_NS);
  expect(textOf(feed.id)).toMatch(/^tag:/);
  expect(textOf(feed.title)).toEqual(expect.any(String));
  expect(feed.updated).toMatch(RFC3339);
  expect(linkOf(feed, 'self')?.['@_href']).toMatch(/\/feed\.atom$/);
  const entries = (feed.entry ?? []) as Json[];
  // A feed names an author unless every entry names one; this one always does both.
  expect(feed.author?.[0]?.name).toEqual(expect.any(String));
  for (const entry of entries) {
    expect(textOf(entry.id)).toMatch(/^tag:/);
    expect(textOf(entry.title)).toEqual(expect.any(String));
    expect(entry.updated).toMatch(RFC3339);
    expect(entry.published).toMatch(RFC3339);
    expect(entry.author[0].name).toEqual(expect.any(String));
    expect(linkOf(entry, 'alternate')?.['@_href']).toEqual(expect.any(String));
    expect(entry.content['@_type']).toBe('html');
  }
  const ids = entries.map((entry) => textOf(entry.id));
  expect(new Set(ids).size).toBe(ids.length);
}

describe('Atom feeds', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;
  let token: string;
  const api = () => request(testApp.url);
  const feedOf = (slug: string) => api().get(`/blogs/${slug}/feed.atom`);
  /**
   * The feed once it has a Last-Modified: not within the second of its last change, which a
   * later change in that same second would share.
   */
  const feedWithDate = async (slug: string) => {
    let answer: request.Response | undefined;
    await waitUntil(
      async () => Boolean((answer = await feedOf(slug).expect(200)).headers['last-modified']),
      () => 'a feed with Last-Modified',
      3000,
      100,
    );
    return answer!;
  };

  beforeAll(async () => {
    testApp = await pool.start();
    token = await createApiToken(
      await signIn(testApp, await createUser(testApp, { name: 'Lena Ward' })),
    );
  });

  afterAll(() => pool.closeAll());

  describe('GET /blogs/:slug/feed.atom', () => {
    it('should hold the published entries as valid Atom, newest first, their HTML as content', async () => {
      const blog = await createBlog(testApp, token, {
        title: 'Cup final & more',
        description: 'Every goal',
      });
      const photo = await uploadPhoto(testApp, token, blog.slug);
      const first = (
        await publishPost(testApp, token, blog.slug, { body: 'Kick-off in **Leeds** <now>.' })
      ).post;
      const second = (
        await publishPost(testApp, token, blog.slug, {
          title: 'GOAL! 1-0',
          body: `A header.\n\n![](/media/${photo.id})`,
        })
      ).post;
      await publishPost(testApp, token, blog.slug, { body: 'Draft only', status: 'draft' });
      const url = `${testApp.url}/blogs/${blog.slug}`;
      const tag = `tag:127.0.0.1,${(blog as Json).createdAt.slice(0, 10)}:blog:${blog.id}`;

      const response = await feedOf(blog.slug).expect(200);

      expect(response.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=60');
      expect(response.headers['set-cookie']).toBeUndefined();
      const { feed } = parseAtom(response.text);
      expectValidAtom(feed);
      expect(feed['@_xml:base']).toBe(`${testApp.url}/`);
      expect(textOf(feed.id)).toBe(tag);
      expect(textOf(feed.title)).toBe('Cup final & more');
      expect(textOf(feed.subtitle)).toBe('Every goal');
      // When the feed last changed: the time of the newest entry's event, written just after it.
      const updatedAfter = Date.parse(feed.updated as string) - Date.parse(second.createdAt);
      expect(updatedAfter).toBeGreaterThanOrEqual(0);
      expect(updatedAfter).toBeLessThan(1000);
      expect(feed.link).toEqual([
        { '@_rel': 'self', '@_type': 'application/atom+xml', '@_href': `${url}/feed.atom` },
        { '@_rel': 'alternate', '@_type': 'text/html', '@_href': url },
      ]);
      expect(feed.generator).toBe('Liveblog');
      expect(feed.entry).toEqual([
        {
          id: `${tag}:entry:${second.id}`,
          title: { '#text': 'GOAL! 1-0', '@_type': 'text' },
          link: [
            { '@_rel': 'alternate', '@_type': 'text/html', '@_href': `${url}/posts/${second.id}` },
          ],
          published: second.createdAt,
          updated: second.updatedAt,
          author: [{ name: 'Lena Ward' }],
          content: { '#text': second.html, '@_type': 'html' },
        },
        {
          id: `${tag}:entry:${first.id}`,
          title: { '#text': 'Kick-off in Leeds <now>.', '@_type': 'text' },
          link: [
            { '@_rel': 'alternate', '@_type': 'text/html', '@_href': `${url}/posts/${first.id}` },
          ],
          published: first.createdAt,
          updated: first.updatedAt,
          author: [{ name: 'Lena Ward' }],
          content: { '#text': first.html, '@_type': 'html' },
        },
      ]);
      // The photo's URL is relative, to the feed's xml:base.
      expect(second.html).toContain(`src="${photo.url}"`);
      expect(response.text).not.toContain('Draft only');
    });

    it('should hold the newest 50 entries', async () => {
      const blog = await createBlog(testApp, token);
      const ids: number[] = [];
      for (let i = 0; i < 53; i++) ids.push((await publishPost(testApp, token, blog.slug)).post.id);

      const { feed } = parseAtom((await feedOf(blog.slug).expect(200)).text);

      const entryIds = (feed.entry as Json[]).map((entry) =>
        Number(/(\d+)$/.exec(textOf(entry.id))![1]),
      );
      expect(entryIds).toEqual(ids.reverse().slice(0, 50));
    });

    it('should be valid with no entries, naming the blog as its author', async () => {
      const blog = await createBlog(testApp, token, { title: 'Not yet' });
      const { feed } = parseAtom((await feedOf(blog.slug).expect(200)).text);
      expectValidAtom(feed);
      expect(feed.entry).toBeUndefined();
      expect(feed.author).toEqual([{ name: 'Not yet' }]);
      expect(feed.updated).toBe((blog as Json).createdAt);
    });

    it('should answer 404 for an unknown blog', async () => {
      await feedOf('no-such-blog').expect(404);
    });

    it('should be advertised on the blog page', async () => {
      const blog = await createBlog(testApp, token, { title: 'Advertised' });
      const page = await api().get(`/blogs/${blog.slug}`).set('Accept', 'text/html').expect(200);
      expect(page.text).toContain(
        `<link rel="alternate" type="application/atom+xml" title="Advertised (Atom feed)" href="${testApp.url}/blogs/${blog.slug}/feed.atom">`,
      );
    });
  });

  describe('conditional GET', () => {
    it('should answer a repeated request 304 with no body, by ETag or by date', async () => {
      const blog = await createBlog(testApp, token);
      await publishPost(testApp, token, blog.slug);
      const first = await feedWithDate(blog.slug);
      const etag = first.headers.etag;
      const lastModified = first.headers['last-modified'];
      expect(etag).toMatch(/^"[^"]+"$/);
      expect(new Date(lastModified).toUTCString()).toBe(lastModified);

      const byEtag = await feedOf(blog.slug).set('If-None-Match', etag).expect(304);
      expect(byEtag.text).toBe('');
      expect(byEtag.headers.etag).toBe(etag);
      expect(byEtag.headers['cache-control']).toBe('public, max-age=60');

      const byDate = await feedOf(blog.slug).set('If-Modified-Since', lastModified).expect(304);
      expect(byDate.text).toBe('');

      // If-None-Match decides when both are sent (RFC 9110).
      await feedOf(blog.slug)
        .set('If-None-Match', '"other"')
        .set('If-Modified-Since', lastModified)
        .expect(200);
      await feedOf(blog.slug).set('If-None-Match', `"x", ${etag}`).expect(304);
    });

    it('should send no Last-Modified of the very second it answers in', async () => {
      const blog = await createBlog(testApp, token);
      await publishPost(testApp, token, blog.slug);

      const answer = await feedOf(blog.slug).expect(200);

      const lastModified = answer.headers['last-modified'];
      const answeredAt = Date.parse(answer.headers.date);
      if (lastModified !== undefined) expect(Date.parse(lastModified)).toBeLessThan(answeredAt);
      const later = await feedWithDate(blog.slug);
      expect(Date.parse(later.headers['last-modified'])).toBeLessThan(
        Date.parse(later.headers.date),
      );
    });

    it('should change the ETag on every publish, edit and delete, and on a change of the blog', async () => {
      const blog = await createBlog(testApp, token);
      const etagNow = async () => (await feedOf(blog.slug).expect(200)).headers.etag;
      const seen = [await etagNow()];
      const expectNew = async (what: string) => {
        const etag = await etagNow();
        expect({ what, seenBefore: seen.includes(etag) }).toEqual({ what, seenBefore: false });
        const stale = await feedOf(blog.slug).set('If-None-Match', seen.at(-1)!);
        expect({ what, status: stale.status }).toEqual({ what, status: 200 });
        seen.push(etag);
      };
      const { post } = await publishPost(testApp, token, blog.slug);
      await expectNew('publish');
      await api()
        .patch(`/api/blogs/${blog.slug}/posts/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'Edited' })
        .expect(200);
      await expectNew('edit');
      await api()
        .patch(`/api/blogs/${blog.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ title: 'Renamed' })
        .expect(200);
      await expectNew('blog title');
      await api()
        .delete(`/api/blogs/${blog.slug}/posts/${post.id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      await expectNew('delete');
      // A draft is nothing readers see: the feed stays as it was.
      await publishPost(testApp, token, blog.slug, { status: 'draft' });
      expect(await etagNow()).toBe(seen.at(-1));
    });

    it('should move Last-Modified with the newest event of the blog only', async () => {
      const blog = await createBlog(testApp, token);
      const other = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, blog.slug);
      const before = await feedWithDate(blog.slug);
      const modifiedAfter =
        Date.parse(before.headers['last-modified']) - Date.parse(post.createdAt);
      expect(modifiedAfter).toBeGreaterThan(-1000);
      expect(modifiedAfter).toBeLessThan(1000);

      const otherPost = await publishPost(testApp, token, other.slug);
      const after = await feedOf(blog.slug).set('If-None-Match', before.headers.etag).expect(304);
      expect(after.headers['last-modified']).toBe(before.headers['last-modified']);
      expect(otherPost.eventId).toBeGreaterThan(0);
    });
  });

  describe('absolute URLs and ids', () => {
    it('should use PUBLIC_URL for links, xml:base and ids, whatever host was asked', async () => {
      const configured = await pool.start({ PUBLIC_URL: 'https://live.example.com' });
      const editor = await createApiToken(await signIn(configured, await createUser(configured)));
      const blog = await createBlog(configured, editor);
      const { post } = await publishPost(configured, editor, blog.slug);
      const date = (blog as Json).createdAt.slice(0, 10);

      const response = await request(configured.url)
        .get(`/blogs/${blog.slug}/feed.atom`)
        .set('Host', 'evil.example')
        .expect(200);

      const { feed } = parseAtom(response.text);
      expect(textOf(feed.id)).toBe(`tag:live.example.com,${date}:blog:${blog.id}`);
      expect(feed['@_xml:base']).toBe('https://live.example.com/');
      expect(linkOf(feed, 'self')!['@_href']).toBe(
        `https://live.example.com/blogs/${blog.slug}/feed.atom`,
      );
      expect(linkOf(feed.entry[0], 'alternate')!['@_href']).toBe(
        `https://live.example.com/blogs/${blog.slug}/posts/${post.id}`,
      );
    });

    it('should use the request’s host when PUBLIC_URL is unset, with an ETag of its own', async () => {
      const blog = await createBlog(testApp, token);
      const asked = await feedOf(blog.slug).set('Host', 'news.example.org:8080').expect(200);
      const { feed } = parseAtom(asked.text);
      expect(textOf(feed.id)).toMatch(/^tag:news\.example\.org,/);
      expect(linkOf(feed, 'alternate')!['@_href']).toBe(
        `http://news.example.org:8080/blogs/${blog.slug}`,
      );
      // The same feed on another host has other links: a cache must not mix them up.
      const direct = await feedOf(blog.slug).expect(200);
      expect(direct.headers.etag).not.toBe(asked.headers.etag);
      await feedOf(blog.slug).set('If-None-Match', asked.headers.etag).expect(200);
    });
  });
});
