import request from 'supertest';
import { createApiToken, createBlog, createUser, signIn } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

describe('Blogs API', () => {
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  const api = () => request(testApp.url);

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  describe('POST /api/blogs', () => {
    it('should create a blog with a slug made from its title', async () => {
      const response = await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .send({ title: 'Café Crème: Final Day!', description: 'Live from Paris' })
        .expect(201);
      expect(response.body.blog).toEqual({
        id: expect.any(Number),
        slug: 'cafe-creme-final-day',
        title: 'Café Crème: Final Day!',
        description: 'Live from Paris',
        status: 'live',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
    });

    it('should keep letters of any script in generated slugs', async () => {
      const blog = await createBlog(testApp, token, { title: '東京マラソン 2026' });
      expect(blog.slug).toBe('東京マラソン-2026');
      await api()
        .get(`/api/blogs/${encodeURIComponent(blog.slug)}`)
        .expect(200);
    });

    it('should give the same title a unique slug each time', async () => {
      const first = await createBlog(testApp, token, { title: 'Election night' });
      const second = await createBlog(testApp, token, { title: 'Election Night' });
      const third = await createBlog(testApp, token, { title: 'election night!' });
      expect([first.slug, second.slug, third.slug]).toEqual([
        'election-night',
        'election-night-2',
        'election-night-3',
      ]);
    });

    it('should find a free slug when a shortened candidate is taken', async () => {
      const long = 'a'.repeat(80);
      await createBlog(testApp, token, { title: 'Taken', slug: `${'a'.repeat(78)}-2` });
      const first = await createBlog(testApp, token, { title: long });
      const second = await createBlog(testApp, token, { title: long });
      expect(first.slug).toBe(long);
      expect(second.slug).toBe(`${'a'.repeat(78)}-3`);
    });

    it('should use a given slug, normalized to lower case', async () => {
      const blog = await createBlog(testApp, token, { title: 'Keynote', slug: 'Keynote-2026' });
      expect(blog.slug).toBe('keynote-2026');
    });

    it('should answer 409 when the given slug is taken', async () => {
      await createBlog(testApp, token, { slug: 'final' });
      const response = await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .send({ title: 'Another final', slug: 'final' })
        .expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'The slug "final" is already taken',
      });
    });

    it.each([
      [{}, 'title'],
      [{ title: '   ' }, 'title must not be empty'],
      [{ title: 42 }, 'title must be a string'],
      [{ title: 'x'.repeat(201) }, 'title must be shorter than or equal to 200 characters'],
      [{ title: 'Ok', slug: '../admin' }, 'slug may hold only'],
      [{ title: 'Ok', slug: 'two--hyphens' }, 'slug may hold only'],
      [{ title: 'Ok', owner: 'me' }, 'property owner should not exist'],
    ])('should answer 400 for %j, saying what is wrong', async (body, expected) => {
      const response = await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .send(body)
        .expect(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(JSON.stringify(response.body.message)).toContain(expected);
      const { body: list } = await api().get('/api/blogs').expect(200);
      expect(list.blogs).toEqual([]);
    });

    it('should answer 400 for malformed JSON', async () => {
      const response = await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .set('Content-Type', 'application/json')
        .send('{"title": ')
        .expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(response.body.message).toMatch(/JSON/);
    });

    it('should answer 413 for a body over 1 MB', async () => {
      const response = await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .send({ title: 'Big', description: 'x'.repeat(1024 * 1024 + 1) })
        .expect(413);
      expect(response.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'The request body is too large',
      });
    });

    it('should answer 401 without a session or token', async () => {
      const response = await api().post('/api/blogs').send({ title: 'Nope' }).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    });

    it('should answer 401 for an unknown API token', async () => {
      await api()
        .post('/api/blogs')
        .auth('lbt_not-a-token', { type: 'bearer' })
        .send({ title: 'Nope' })
        .expect(401);
    });
  });

  describe('GET /api/blogs', () => {
    it('should list live blogs first, newest first within each status', async () => {
      const older = await createBlog(testApp, token, { title: 'Older live' });
      const ended = await createBlog(testApp, token, { title: 'Ended' });
      const newer = await createBlog(testApp, token, { title: 'Newer live' });
      await api()
        .patch(`/api/blogs/${ended.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'ended' })
        .expect(200);

      const response = await api().get('/api/blogs').expect(200);
      expect(response.body.blogs.map((blog: { slug: string }) => blog.slug)).toEqual([
        newer.slug,
        older.slug,
        ended.slug,
      ]);
    });
  });

  describe('GET /api/blogs/:slug', () => {
    it('should answer the blog to anyone', async () => {
      const blog = await createBlog(testApp, token, { title: 'Open day' });
      const response = await api().get(`/api/blogs/${blog.slug}`).expect(200);
      expect(response.body.blog).toMatchObject({
        id: blog.id,
        slug: 'open-day',
        title: 'Open day',
      });
    });

    it('should answer 404 for an unknown slug', async () => {
      const response = await api().get('/api/blogs/no-such-blog').expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'No blog with the slug "no-such-blog"',
      });
    });

    it('should answer 404, not 503, for a slug that reads like a database error', async () => {
      const response = await api().get('/api/blogs/not%20queryable').expect(404);
      expect(response.body.message).toBe('No blog with the slug "not queryable"');
      expect(response.headers['retry-after']).toBeUndefined();
    });
  });

  describe('PATCH /api/blogs/:slug', () => {
    it('should change title, description and status', async () => {
      const blog = await createBlog(testApp, token, { title: 'Semi final' });
      const response = await api()
        .patch(`/api/blogs/${blog.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ title: 'Semi-final', description: 'Updated', status: 'ended' })
        .expect(200);
      expect(response.body.blog).toMatchObject({
        slug: blog.slug,
        title: 'Semi-final',
        description: 'Updated',
        status: 'ended',
      });
      const { body } = await api().get(`/api/blogs/${blog.slug}`).expect(200);
      expect(body.blog.status).toBe('ended');
    });

    it('should change only the fields given', async () => {
      const blog = await createBlog(testApp, token, { title: 'Derby day', description: 'Kept' });
      const response = await api()
        .patch(`/api/blogs/${blog.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'ended' })
        .expect(200);
      expect(response.body.blog).toMatchObject({
        title: 'Derby day',
        description: 'Kept',
        status: 'ended',
      });
    });

    it.each([{ title: null }, { description: null }, { status: null }, { title: '\ud800' }])(
      'should answer 400 for %j and change nothing',
      async (body) => {
        const blog = await createBlog(testApp, token, { title: 'Steady' });
        await api()
          .patch(`/api/blogs/${blog.slug}`)
          .auth(token, { type: 'bearer' })
          .send(body)
          .expect(400);
        const { body: after } = await api().get(`/api/blogs/${blog.slug}`).expect(200);
        expect(after.blog).toMatchObject({ title: 'Steady', description: '', status: 'live' });
      },
    );

    it('should answer 400 for an unknown status and change nothing', async () => {
      const blog = await createBlog(testApp, token);
      await api()
        .patch(`/api/blogs/${blog.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'paused' })
        .expect(400);
      const { body } = await api().get(`/api/blogs/${blog.slug}`).expect(200);
      expect(body.blog.status).toBe('live');
    });

    it('should answer 404 for an unknown slug', async () => {
      await api()
        .patch('/api/blogs/nothing-here')
        .auth(token, { type: 'bearer' })
        .send({ title: 'x' })
        .expect(404);
    });

    it('should answer 401 when signed out', async () => {
      const blog = await createBlog(testApp, token);
      await api().patch(`/api/blogs/${blog.slug}`).send({ title: 'x' }).expect(401);
    });
  });
});
