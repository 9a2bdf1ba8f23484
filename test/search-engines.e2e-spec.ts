import { XMLParser, XMLValidator } from 'fast-xml-parser';
import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { DomUtils, Element, parseDocument } from './support/html-parser';
import { uploadPhoto } from './support/photos';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * What a reader page tells search engines and social networks about itself (JSON-LD,
 * OpenGraph, Twitter cards, canonical links), robots.txt and the sitemap: checked against the
 * entries made through the API, on a real app.
 */

type Json = Record<string, any>;

interface PageHead {
  /** The page's JSON-LD scripts, parsed. */
  jsonLd: Json[];
  /** `<meta property|name>` contents by property or name. */
  meta: Record<string, string>;
  /** `<link>` elements' attributes, by rel. */
  links: Record<string, Record<string, string>>;
  /** The raw text of each JSON-LD script, as the page holds it. */
  jsonLdSources: string[];
}

function headOf(html: string): PageHead {
  const document = parseDocument(html);
  const all = (name: string) =>
    DomUtils.findAll((element: Element) => element.name === name, document.children);
  const scripts = all('script').filter((element) => element.attribs.type === 'application/ld+json');
  const jsonLdSources = scripts.map((element) => DomUtils.textContent(element));
  const meta: Record<string, string> = {};
  for (const element of all('meta')) {
    const key = element.attribs.property ?? element.attribs.name;
    if (key) meta[key] = element.attribs.content;
  }
  const links: Record<string, Record<string, string>> = {};
  for (const element of all('link')) links[element.attribs.rel] = element.attribs;
  return {
    jsonLd: jsonLdSources.map((source) => JSON.parse(source) as Json),
    jsonLdSources,
    meta,
    links,
  };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('Search engines and social previews', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;
  let token: string;
  let author: { name: string };
  const page = (path: string) => request(testApp.url).get(path).set('Accept', 'text/html');
  const api = () => request(testApp.url);

  beforeAll(async () => {
    testApp = await pool.start();
    const user = await createUser(testApp, { name: 'Lena Ward' });
    author = user;
    token = await createApiToken(await signIn(testApp, user));
  });

  afterAll(() => pool.closeAll());

  async function endBlog(slug: string): Promise<void> {
    await api()
      .patch(`/api/blogs/${slug}`)
      .auth(token, { type: 'bearer' })
      .send({ status: 'ended' })
      .expect(200);
  }

  describe('GET /blogs/:slug: a LiveBlogPosting', () => {
    it('should describe the blog and its entries field by field', async () => {
      const blog = await createBlog(testApp, token, {
        title: 'Cup final',
        description: 'Every goal, as it happens',
      });
      const first = (
        await publishPost(testApp, token, blog.slug, { body: 'Kick-off in **Leeds**.' })
      ).post;
      const second = (
        await publishPost(testApp, token, blog.slug, {
          title: 'GOAL! Okafor makes it 1-0',
          body: 'A header from the corner.\n\nThe crowd &amp; the bench <b>erupt</b>.',
        })
      ).post;
      const url = `${testApp.url}/blogs/${blog.slug}`;

      const html = (await page(`/blogs/${blog.slug}`).expect(200)).text;

      const [data, ...more] = headOf(html).jsonLd;
      expect(more).toEqual([]);
      expect(data).toEqual({
        '@context': 'https://schema.org',
        '@type': 'LiveBlogPosting',
        '@id': url,
        url,
        mainEntityOfPage: url,
        headline: 'Cup final',
        description: 'Every goal, as it happens',
        datePublished: (blog as Json).createdAt,
        dateModified: second.updatedAt,
        coverageStartTime: (blog as Json).createdAt,
        liveBlogUpdate: [
          {
            '@type': 'BlogPosting',
            '@id': `${url}/posts/${second.id}`,
            url: `${url}/posts/${second.id}`,
            headline: 'GOAL! Okafor makes it 1-0',
            // Plain text: no markup, entities read, one line per paragraph.
            articleBody: 'A header from the corner.\nThe crowd & the bench <b>erupt</b>.',
            datePublished: second.createdAt,
            dateModified: second.updatedAt,
            author: { '@type': 'Person', name: 'Lena Ward' },
          },
          {
            '@type': 'BlogPosting',
            '@id': `${url}/posts/${first.id}`,
            url: `${url}/posts/${first.id}`,
            // No title: its first words.
            headline: 'Kick-off in Leeds.',
            articleBody: 'Kick-off in Leeds.',
            datePublished: first.createdAt,
            dateModified: first.updatedAt,
            author: { '@type': 'Person', name: author.name },
          },
        ],
      });
      expect(data.datePublished).toMatch(ISO);
    });

    it('should take dateModified from the latest edit, and cut long headlines to 110 characters', async () => {
      const blog = await createBlog(testApp, token);
      const longText = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
      const old = (await publishPost(testApp, token, blog.slug, { title: 'x'.repeat(150) })).post;
      await publishPost(testApp, token, blog.slug, { body: longText });
      const edited = await api()
        .patch(`/api/blogs/${blog.slug}/posts/${old.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'Corrected.' })
        .expect(200);

      const [data] = headOf((await page(`/blogs/${blog.slug}`).expect(200)).text).jsonLd;

      expect(data.dateModified).toBe(edited.body.post.updatedAt);
      const [newest, older] = data.liveBlogUpdate as Json[];
      expect(newest.headline).toBe('word0 word1 word2 word3 word4 word5 word6 word7 word8 word9…');
      expect(older.headline).toBe(`${'x'.repeat(109)}…`);
      expect(Array.from(older.headline as string)).toHaveLength(110);
    });

    it('should give coverageEndTime only once the blog has ended: its last entry’s time', async () => {
      const blog = await createBlog(testApp, token);
      await publishPost(testApp, token, blog.slug);
      const last = (await publishPost(testApp, token, blog.slug)).post;

      const live = headOf((await page(`/blogs/${blog.slug}`).expect(200)).text).jsonLd[0];
      expect(live).not.toHaveProperty('coverageEndTime');

      await endBlog(blog.slug);
      const ended = headOf((await page(`/blogs/${blog.slug}`).expect(200)).text).jsonLd[0];
      expect(ended.coverageEndTime).toBe(last.createdAt);
      expect(ended.coverageStartTime).toBe((blog as Json).createdAt);
    });

    it('should list the newest 20 published entries, never a draft or a scheduled one', async () => {
      const blog = await createBlog(testApp, token);
      const published: number[] = [];
      for (let i = 0; i < 23; i++) {
        published.push(
          (await publishPost(testApp, token, blog.slug, { body: `Update ${i}` })).post.id,
        );
      }
      const pinned = (await publishPost(testApp, token, blog.slug, { pinned: true })).post;
      published.push(pinned.id);
      // Pinned on top of the page, but not among the newest.
      await api()
        .patch(`/api/blogs/${blog.slug}/posts/${published[0]}`)
        .auth(token, { type: 'bearer' })
        .send({ pinned: true })
        .expect(200);
      const draft = (
        await publishPost(testApp, token, blog.slug, { body: 'Secret draft', status: 'draft' })
      ).post;
      const scheduled = (
        await publishPost(testApp, token, blog.slug, {
          body: 'Secret schedule',
          status: 'scheduled',
          publishAt: new Date(Date.now() + 3_600_000).toISOString(),
        })
      ).post;

      const paths = [
        `/blogs/${blog.slug}`,
        `/blogs/${blog.slug}?before=${published[5]}`,
        `/blogs/${blog.slug}?order=oldest`,
      ];
      for (const path of paths) {
        const html = (await page(path).expect(200)).text;
        const [data] = headOf(html).jsonLd;
        const ids = (data.liveBlogUpdate as Json[]).map((update) =>
          Number(/\/posts\/(\d+)$/.exec(update.url as string)![1]),
        );
        // Every page of the blog (older entries, oldest first) lists the newest 20, pinned or not.
        expect({ path, ids }).toEqual({ path, ids: [...published].reverse().slice(0, 20) });
        expect(html).not.toContain('Secret');
        expect(ids).not.toContain(draft.id);
        expect(ids).not.toContain(scheduled.id);
      }
    });

    it('should name a photo entry’s image by its absolute URL, and use it for the preview', async () => {
      const blog = await createBlog(testApp, token);
      const photo = await uploadPhoto(testApp, token, blog.slug);
      const withPhoto = (
        await publishPost(testApp, token, blog.slug, {
          body: `The scene\n\n![](/media/${photo.id})`,
        })
      ).post;
      const textOnly = (await publishPost(testApp, token, blog.slug, { body: 'No picture' })).post;
      expect(withPhoto.html).toContain(`src="${photo.url}"`);
      const image = `${testApp.url}${photo.url}`;

      const head = headOf((await page(`/blogs/${blog.slug}`).expect(200)).text);

      const [data] = head.jsonLd;
      const [textUpdate, photoUpdate] = data.liveBlogUpdate as Json[];
      expect(textUpdate.url).toMatch(new RegExp(`/posts/${textOnly.id}$`));
      expect(textUpdate).not.toHaveProperty('image');
      expect(photoUpdate.image).toBe(image);
      expect(photoUpdate.articleBody).toBe('The scene');
      expect(data.image).toBe(image);
      expect(head.meta['og:image']).toBe(image);
      expect(head.meta['twitter:card']).toBe('summary_large_image');
    });

    it('should keep an entry’s </script> inside the JSON, escaped as \\u003c', async () => {
      const attack = '</script><script>window.__xss=1</script><!--';
      // Markdown would make a dash of the comment's "--": the body ends the script only.
      const bodyAttack = '</script><script>window.__xss=2</script>';
      const blog = await createBlog(testApp, token, { title: `Blog ${attack}` });
      await publishPost(testApp, token, blog.slug, { title: attack, body: `Text ${bodyAttack}` });

      const html = (await page(`/blogs/${blog.slug}`).expect(200)).text;
      const head = headOf(html);

      // One script element, holding all of the JSON: nothing broke out of it.
      expect(head.jsonLdSources).toHaveLength(1);
      expect(head.jsonLdSources[0]).not.toMatch(/[<>]/);
      expect(head.jsonLdSources[0]).toContain('\\u003c/script\\u003e');
      const [data] = head.jsonLd;
      expect(data.headline).toBe(`Blog ${attack}`);
      expect(data.liveBlogUpdate[0].headline).toBe(attack);
      expect(data.liveBlogUpdate[0].articleBody).toBe(`Text ${bodyAttack}`);
      const scripts = DomUtils.findAll(
        (element: Element) => element.name === 'script',
        parseDocument(html).children,
      );
      expect(scripts.filter((script) => !script.attribs.src)).toHaveLength(1);
    });
  });

  describe('GET /blogs/:slug: social previews and canonical link', () => {
    it('should give OpenGraph and Twitter tags, and one canonical URL for every page of the blog', async () => {
      const blog = await createBlog(testApp, token, {
        title: 'Election night',
        description: 'Results "as they come" & more',
      });
      const ids: number[] = [];
      for (let i = 0; i < 22; i++) ids.push((await publishPost(testApp, token, blog.slug)).post.id);
      const url = `${testApp.url}/blogs/${blog.slug}`;

      const paths = [
        `/blogs/${blog.slug}`,
        `/blogs/${blog.slug}?before=${ids[3]}`,
        `/blogs/${blog.slug}?order=oldest`,
      ];
      for (const path of paths) {
        const head = headOf((await page(path).expect(200)).text);
        expect({ path, canonical: head.links.canonical.href }).toEqual({ path, canonical: url });
        expect(head.meta).toEqual({
          description: 'Results "as they come" & more',
          'og:site_name': 'Liveblog',
          'og:type': 'article',
          'og:title': 'Election night',
          'og:description': 'Results "as they come" & more',
          'og:url': url,
          'twitter:card': 'summary',
          'twitter:title': 'Election night',
          'twitter:description': 'Results "as they come" & more',
          viewport: expect.any(String),
          'color-scheme': 'light',
        });
        expect(head.links.alternate).toEqual({
          rel: 'alternate',
          type: 'application/atom+xml',
          title: 'Election night (Atom feed)',
          href: `${url}/feed.atom`,
        });
      }
    });

    it('should describe a blog without a description by its title', async () => {
      const blog = await createBlog(testApp, token, { title: 'Quiet blog' });
      const head = headOf((await page(`/blogs/${blog.slug}`).expect(200)).text);
      expect(head.meta.description).toBe('Live coverage: Quiet blog');
      expect(head.jsonLd[0].description).toBe('Live coverage: Quiet blog');
    });

    it('should leave the home page without any of it', async () => {
      const head = headOf((await page('/').expect(200)).text);
      expect(head.jsonLd).toEqual([]);
      expect(head.links.canonical).toBeUndefined();
      expect(
        Object.keys(head.meta).filter((key) => /^(og|twitter):|^description$/.test(key)),
      ).toEqual([]);
    });
  });

  describe('GET /blogs/:slug/posts/:id: a BlogPosting', () => {
    it('should give the entry its own title, description, canonical URL and structured data', async () => {
      const blog = await createBlog(testApp, token, { title: 'Cup final' });
      const photo = await uploadPhoto(testApp, token, blog.slug);
      const text = `${'Okafor rises highest at the near post and heads it in. '.repeat(6)}`;
      const { post } = await publishPost(testApp, token, blog.slug, {
        body: `${text}\n\n![](/media/${photo.id})`,
      });
      const blogUrl = `${testApp.url}/blogs/${blog.slug}`;
      const url = `${blogUrl}/posts/${post.id}`;
      const image = `${testApp.url}${photo.url}`;

      const html = (await page(`/blogs/${blog.slug}/posts/${post.id}`).expect(200)).text;

      const head = headOf(html);
      const title = 'Okafor rises highest at the near post and heads it…';
      expect(html).toContain(`<title>${title} · Cup final · Liveblog</title>`);
      expect(head.links.canonical.href).toBe(url);
      expect(head.links.alternate).toBeUndefined();
      // Cut at a word, within 200 characters.
      expect(head.meta.description.length).toBeLessThanOrEqual(200);
      expect(head.meta.description.length).toBeGreaterThan(180);
      expect(text.trim().startsWith(head.meta.description.slice(0, -1).trimEnd())).toBe(true);
      expect(head.meta.description.endsWith('…')).toBe(true);
      expect(head.meta).toMatchObject({
        'og:type': 'article',
        'og:title': `${title} · Cup final`,
        'og:url': url,
        'og:image': image,
        'twitter:card': 'summary_large_image',
      });
      expect(head.jsonLd).toEqual([
        {
          '@context': 'https://schema.org',
          '@type': 'BlogPosting',
          '@id': url,
          url,
          mainEntityOfPage: url,
          headline: title,
          articleBody: text.trim(),
          datePublished: post.createdAt,
          dateModified: post.updatedAt,
          author: { '@type': 'Person', name: 'Lena Ward' },
          image,
          isPartOf: {
            '@type': 'LiveBlogPosting',
            '@id': blogUrl,
            url: blogUrl,
            headline: 'Cup final',
          },
        },
      ]);
    });

    it('should answer 404 for a draft, with no structured data of it', async () => {
      const blog = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, blog.slug, { status: 'draft' });
      const response = await page(`/blogs/${blog.slug}/posts/${post.id}`).expect(404);
      expect(headOf(response.text).jsonLd).toEqual([]);
    });
  });

  describe('absolute URLs', () => {
    it('should use the request’s Host, a trusted proxy’s protocol, and never X-Forwarded-Host', async () => {
      const proxied = await pool.start({ TRUST_PROXY: 'loopback' });
      const editor = await createApiToken(await signIn(proxied, await createUser(proxied)));
      const blog = await createBlog(proxied, editor);
      const path = `/blogs/${blog.slug}`;

      const direct = await request(proxied.url).get(path).set('Host', 'live.example.net:8080');
      expect(headOf(direct.text).links.canonical.href).toBe(`http://live.example.net:8080${path}`);

      // A proxy sets Host and passes a client's X-Forwarded-Host on: that one must not reach
      // links that caches keep.
      const viaProxy = await request(proxied.url)
        .get(path)
        .set('Host', 'news.example.org')
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'evil.example');
      expect(headOf(viaProxy.text).links.canonical.href).toBe(`https://news.example.org${path}`);
      const feed = await request(proxied.url)
        .get(`${path}/feed.atom`)
        .set('Host', 'news.example.org')
        .set('X-Forwarded-Host', 'evil.example');
      expect(feed.text).not.toContain('evil.example');
    });

    it('should not believe X-Forwarded-* from a client when no proxy is trusted', async () => {
      const blog = await createBlog(testApp, token);
      const response = await page(`/blogs/${blog.slug}`)
        .set('X-Forwarded-Proto', 'https')
        .set('X-Forwarded-Host', 'evil.example')
        .expect(200);
      expect(headOf(response.text).links.canonical.href).toBe(`${testApp.url}/blogs/${blog.slug}`);
    });

    it('should refuse a Host header that names no host rather than echo it', async () => {
      const blog = await createBlog(testApp, token);
      await page(`/blogs/${blog.slug}`).set('Host', 'evil.example/"><x').expect(400);
    });

    it('should use PUBLIC_URL whatever host was asked', async () => {
      const configured = await pool.start({ PUBLIC_URL: 'https://live.example.com/' });
      const editor = await createApiToken(await signIn(configured, await createUser(configured)));
      const blog = await createBlog(configured, editor);
      const { post } = await publishPost(configured, editor, blog.slug);
      const base = `https://live.example.com/blogs/${blog.slug}`;

      const html = (
        await request(configured.url)
          .get(`/blogs/${blog.slug}`)
          .set('Host', 'evil.example')
          .expect(200)
      ).text;
      const head = headOf(html);
      expect(head.links.canonical.href).toBe(base);
      expect(head.meta['og:url']).toBe(base);
      expect(head.jsonLd[0].liveBlogUpdate[0].url).toBe(`${base}/posts/${post.id}`);
      const robots = await request(configured.url).get('/robots.txt').expect(200);
      expect(robots.text).toContain('Sitemap: https://live.example.com/sitemap.xml');
      const sitemap = await request(configured.url).get('/sitemap.xml').expect(200);
      expect(sitemap.text).toContain(`<loc>${base}</loc>`);
    });
  });

  describe('GET /robots.txt', () => {
    it('should allow all but the editors’ pages, the API and the streams, and name the sitemap', async () => {
      const response = await api().get('/robots.txt').expect(200);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(response.text.split('\n')).toEqual([
        'User-agent: *',
        'Allow: /',
        'Disallow: /admin',
        'Disallow: /api/',
        'Disallow: /blogs/*/events',
        '',
        `Sitemap: ${testApp.url}/sitemap.xml`,
        '',
      ]);
    });
  });

  describe('GET /sitemap.xml', () => {
    it('should list every blog with the time of its latest change', async () => {
      const quiet = await createBlog(testApp, token);
      const busy = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, busy.slug);
      await publishPost(testApp, token, busy.slug, { status: 'draft' });

      const response = await api().get('/sitemap.xml').expect(200);

      expect(response.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(XMLValidator.validate(response.text)).toBe(true);
      const parsed = new XMLParser({
        ignoreAttributes: false,
        parseTagValue: false,
        isArray: (name) => name === 'url',
      }).parse(response.text) as Json;
      expect(parsed.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
      const lastmodOf = new Map(
        (parsed.urlset.url as Json[]).map((url) => [url.loc as string, url.lastmod as string]),
      );
      const { body } = await api().get('/api/blogs').expect(200);
      expect([...lastmodOf.keys()].sort()).toEqual(
        (body.blogs as Json[]).map((blog) => `${testApp.url}/blogs/${blog.slug}`).sort(),
      );
      expect(lastmodOf.get(`${testApp.url}/blogs/${quiet.slug}`)).toBe((quiet as Json).createdAt);
      expect(lastmodOf.get(`${testApp.url}/blogs/${busy.slug}`)).toBe(post.createdAt);
    });
  });
});
