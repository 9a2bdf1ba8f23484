import sharp from 'sharp';
import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { decompressionBomb, multipartBody, phonePhoto, transparentPng } from './support/photos';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

describe('Photos', () => {
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  const api = () => request(testApp.url);

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token)).slug;
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  function upload(
    bytes: Buffer,
    { filename = 'photo.jpg', contentType = 'image/jpeg', alt = 'The winning goal' } = {},
  ) {
    const { contentType: type, body } = multipartBody(
      { alt },
      { field: 'file', filename, contentType, bytes },
    );
    return api()
      .post(`/api/blogs/${slug}/media`)
      .auth(token, { type: 'bearer' })
      .set('Content-Type', type)
      .send(body);
  }

  async function fetchImage(url: string) {
    const response = await api()
      .get(url)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return { response, bytes: response.body as Buffer };
  }

  it('should store a phone photo upright, without its GPS position, and serve it for a year', async () => {
    const photo = await phonePhoto(1200, 800);
    expect((await sharp(photo).metadata()).exif).toBeDefined();

    const { body } = await upload(photo).expect(201);

    expect(body.media).toEqual({
      id: expect.any(Number),
      url: expect.stringMatching(/^\/media\/\d+-[0-9a-f]{12}\/800\.jpg$/),
      width: 800,
      height: 1200,
      alt: 'The winning goal',
      mime: 'image/jpeg',
    });
    const { response, bytes } = await fetchImage(body.media.url);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const stored = await sharp(bytes).metadata();
    expect(stored).toMatchObject({ format: 'jpeg', width: 800, height: 1200 });
    expect(stored.exif).toBeUndefined();
    expect(stored.orientation).toBeUndefined();
    // Upright: the left quarter (blue) of the sensor's image is now the top.
    const top = await sharp(bytes)
      .extract({ left: 400, top: 20, width: 1, height: 1 })
      .raw()
      .toBuffer();
    expect(top[2]).toBeGreaterThan(200);
  });

  it('should keep each width as WebP and the fallback, never wider than the original', async () => {
    const { body } = await upload(await phonePhoto(2400, 1800)).expect(201);
    const base = body.media.url.replace(/\/\d+\.jpg$/, '');

    for (const width of [480, 960, 1600]) {
      const webp = await fetchImage(`${base}/${width}.webp`);
      expect(webp.response.headers['content-type']).toBe('image/webp');
      expect(await sharp(webp.bytes).metadata()).toMatchObject({ format: 'webp', width });
      const jpeg = await fetchImage(`${base}/${width}.jpg`);
      expect(await sharp(jpeg.bytes).metadata()).toMatchObject({ format: 'jpeg', width });
    }
    await api().get(`${base}/2400.webp`).expect(404);
    await api().get(`${base}/480.png`).expect(404);
    await api()
      .get(body.media.url.replace(/-[0-9a-f]{12}\//, '-000000000000/'))
      .expect(404);
  });

  it('should judge a file by its content, not its name or type', async () => {
    const { body } = await upload(await transparentPng(), { filename: 'renamed.jpg' }).expect(201);
    expect(body.media).toMatchObject({ mime: 'image/png', width: 300, height: 200 });

    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    const html = Buffer.from('<!doctype html><script>alert(1)</script>');
    for (const bytes of [svg, html]) {
      const refused = await upload(bytes, {
        filename: 'photo.png',
        contentType: 'image/png',
      }).expect(415);
      expect(refused.body).toEqual({
        statusCode: 415,
        message: 'Upload a JPEG, PNG, WebP or GIF image',
        error: 'Unsupported Media Type',
      });
    }
  });

  it('should refuse an image it cannot decode, and a decompression bomb, before decoding it', async () => {
    const broken = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);
    const notReadable = await upload(broken).expect(400);
    expect(notReadable.body.message).toBe('The file is not a readable JPEG image');

    const bomb = await upload(decompressionBomb(), { filename: 'bomb.png' }).expect(400);
    expect(bomb.body.message).toBe(
      'The image has more than 100 million pixels; upload a smaller one',
    );
  });

  it('should refuse a file over MEDIA_MAX_BYTES with 413', async () => {
    const huge = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(16 * 1024 * 1024)]);
    const { body } = await upload(huge).expect(413);
    expect(body).toEqual({
      statusCode: 413,
      message: 'The file is larger than 15 MB, the most this server takes (MEDIA_MAX_BYTES)',
      error: 'Payload Too Large',
    });
  });

  it('should say what is missing: the file, the blog, the credentials', async () => {
    const { contentType, body } = multipartBody({ alt: 'Nothing attached' });
    const missing = await api()
      .post(`/api/blogs/${slug}/media`)
      .auth(token, { type: 'bearer' })
      .set('Content-Type', contentType)
      .send(body)
      .expect(400);
    expect(missing.body.message).toBe('Attach the image as the multipart field "file"');

    slug = 'no-such-blog';
    await upload(await transparentPng()).expect(404);
    await api().post('/api/blogs/no-such-blog/media').expect(401);
  });

  it('should render an uploaded photo in an entry with every width, its size and lazy loading', async () => {
    const { body } = await upload(await phonePhoto(2400, 1800)).expect(201);
    const ref = body.media.url.replace(/\/\d+\.jpg$/, '');

    const { post } = await publishPost(testApp, token, slug, {
      body: `Full time!\n\n![Captain lifts the cup](/media/${body.media.id})`,
    });

    expect(post.html).toBe(
      '<p>Full time!</p>\n<p><picture>' +
        `<source type="image/webp" srcset="${ref}/480.webp 480w, ${ref}/960.webp 960w, ${ref}/1600.webp 1600w" sizes="(max-width: 46rem) 100vw, 46rem" />` +
        `<img src="${ref}/1600.jpg" srcset="${ref}/480.jpg 480w, ${ref}/960.jpg 960w, ${ref}/1600.jpg 1600w" sizes="(max-width: 46rem) 100vw, 46rem" width="1600" height="2133" alt="Captain lifts the cup" decoding="async" loading="lazy" />` +
        '</picture></p>',
    );
    const titled = await publishPost(testApp, token, slug, {
      body: `![](/media/${body.media.id} "At the final whistle")`,
    });
    expect(titled.post.html).toContain(`alt="The winning goal" decoding="async" loading="lazy" />`);
    const bracketed = await publishPost(testApp, token, slug, {
      body: `![Stands](</media/${body.media.id}> 'Before kick-off')`,
    });
    expect(bracketed.post.html).toContain(`srcset="${ref}/480.webp 480w`);
  });

  it('should show a blog its own photos only, in entries and in the preview', async () => {
    const { body } = await upload(await transparentPng()).expect(201);
    const markdown = `![Badge](/media/${body.media.id})`;
    const other = (await createBlog(testApp, token)).slug;

    const elsewhere = await publishPost(testApp, token, other, { body: markdown });
    expect(elsewhere.post.html).toBe(
      `<p><img src="/media/${body.media.id}" alt="Badge" loading="lazy" /></p>`,
    );
    const preview = (blog?: string) =>
      api()
        .post('/api/preview')
        .auth(token, { type: 'bearer' })
        .send({ body: markdown, blog })
        .expect(200);
    expect((await preview(slug)).body.html).toContain('<picture>');
    expect((await preview(other)).body.html).not.toContain('<picture>');
    expect((await preview()).body.html).not.toContain('<picture>');
  });
});
