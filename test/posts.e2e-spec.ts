import request from 'supertest';
import { EventBus } from '../src/event-log/event-bus';
import type { LogEvent } from '../src/event-log/log-event.entity';
import {
  createApiToken,
  createBlog,
  createUser,
  eventRows,
  publishPost,
  signIn,
  TestUser,
} from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

describe('Posts API', () => {
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  let token: string;
  let slug: string;
  const api = () => request(testApp.url);
  const posts = () => `/api/blogs/${slug}/posts`;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    editor = await createUser(testApp, { name: 'Ada Reporter' });
    token = await createApiToken(await signIn(testApp, editor));
    slug = (await createBlog(testApp, token)).slug;
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  describe('POST /api/blogs/:slug/posts', () => {
    it('should publish an entry with rendered HTML and log one post event with the returned id', async () => {
      const response = await api()
        .post(posts())
        .auth(token, { type: 'bearer' })
        .send({
          body: '**Goal!** 1-0 after [the corner](https://example.com/replay)',
          keyEvent: true,
        })
        .expect(201);

      const { post, eventId } = response.body;
      expect(post).toEqual({
        id: expect.any(Number),
        blogId: expect.any(Number),
        title: null,
        body: '**Goal!** 1-0 after [the corner](https://example.com/replay)',
        html: '<p><strong>Goal!</strong> 1-0 after <a href="https://example.com/replay" rel="noopener noreferrer">the corner</a></p>',
        author: { id: editor.id, name: 'Ada Reporter', avatarUrl: null },
        credit: null,
        status: 'published',
        publishAt: null,
        submittedAt: null,
        reviewNote: null,
        pinned: false,
        keyEvent: true,
        createdAt: expect.any(String),
        updatedAt: post.createdAt,
        version: 1,
        views: 0,
      });
      expect(await eventRows(testApp)).toEqual([
        {
          id: eventId,
          blogId: post.blogId,
          type: 'post',
          postId: post.id,
          payload: JSON.stringify({ post }),
        },
      ]);
    });

    it('should strip dangerous HTML from the rendering but keep the source', async () => {
      const body =
        'Hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>';
      const { post } = await publishPost(testApp, token, slug, { body });
      expect(post.body).toBe(body);
      expect(post.html).toBe(
        '<p>Hi &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;</p>',
      );
    });

    it('should publish the committed event on the event bus', async () => {
      const published: LogEvent[] = [];
      const subscription = testApp.app
        .get(EventBus)
        .committed$.subscribe((event) => published.push(event));
      const { post, eventId } = await publishPost(testApp, token, slug, { body: 'Kick-off' });
      subscription.unsubscribe();
      expect(published).toEqual([
        expect.objectContaining({
          id: eventId,
          type: 'post',
          postId: post.id,
          payload: JSON.stringify({ post }),
        }),
      ]);
    });

    it('should answer 409 on a blog that has ended, and log nothing', async () => {
      await api()
        .patch(`/api/blogs/${slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'ended' })
        .expect(200);
      const response = await api()
        .post(posts())
        .auth(token, { type: 'bearer' })
        .send({ body: 'Late' })
        .expect(409);
      expect(response.body.message).toContain('has ended');
      expect(await eventRows(testApp)).toEqual([]);
    });

    it.each([
      [{}, 'body'],
      [{ body: '' }, 'body must not be empty'],
      [{ body: 'ok', pinned: 'yes' }, 'pinned must be a boolean value'],
      [{ body: 'x'.repeat(20_001) }, 'body must be shorter than or equal to 20000 characters'],
      [{ body: 'ok', version: 3 }, 'property version should not exist'],
      [{ body: null }, 'body must be a string'],
      [{ body: 'ok', pinned: null }, 'pinned must be a boolean value'],
      [{ body: 'lone \ud800 surrogate' }, 'body holds an invalid character'],
    ])('should answer 400 for %j and log nothing', async (body, expected) => {
      const response = await api()
        .post(posts())
        .auth(token, { type: 'bearer' })
        .send(body)
        .expect(400);
      expect(JSON.stringify(response.body.message)).toContain(expected);
      expect(await eventRows(testApp)).toEqual([]);
    });

    it('should answer 404 for an unknown blog', async () => {
      await api()
        .post('/api/blogs/nope/posts')
        .auth(token, { type: 'bearer' })
        .send({ body: 'x' })
        .expect(404);
    });

    it('should answer 401 when signed out', async () => {
      await api().post(posts()).send({ body: 'x' }).expect(401);
      expect(await eventRows(testApp)).toEqual([]);
    });
  });

  describe('GET /api/blogs/:slug/posts', () => {
    it("should list entries newest first with the newest event id and the database's epoch", async () => {
      const first = await publishPost(testApp, token, slug, { body: 'First' });
      const second = await publishPost(testApp, token, slug, { body: 'Second' });
      const response = await api().get(posts()).expect(200);
      const page = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
      expect(response.body).toEqual({
        posts: [second.post, first.post],
        lastEventId: second.eventId,
        epoch: /data-epoch="([\w-]{16})"/.exec(page.text)?.[1],
      });
    });

    it('should page with before and limit', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await publishPost(testApp, token, slug)).post.id);
      const page = await api().get(posts()).query({ limit: 2 }).expect(200);
      expect(page.body.posts.map((post: { id: number }) => post.id)).toEqual([ids[4], ids[3]]);
      const older = await api().get(posts()).query({ before: ids[3], limit: 2 }).expect(200);
      expect(older.body.posts.map((post: { id: number }) => post.id)).toEqual([ids[2], ids[1]]);
    });

    it('should not show entries of other blogs', async () => {
      const other = await createBlog(testApp, token);
      await publishPost(testApp, token, other.slug, { body: 'Elsewhere' });
      const response = await api().get(posts()).expect(200);
      expect(response.body.posts).toEqual([]);
    });

    it.each([
      { limit: 0 },
      { limit: 101 },
      { limit: 'ten' },
      { before: -1 },
      { before: 'abc' },
      { before: '0x10' },
      { limit: '1e1' },
    ])('should answer 400 for the query %j', async (query) => {
      await api().get(posts()).query(query).expect(400);
    });

    it('should answer 404 for an unknown blog', async () => {
      await api().get('/api/blogs/nope/posts').expect(404);
    });
  });

  describe('PATCH /api/blogs/:slug/posts/:id', () => {
    it('should edit the entry, bump its version and log one update event', async () => {
      const { post } = await publishPost(testApp, token, slug, { body: 'Score 1-0' });
      const response = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'Score *2-0*', pinned: true, version: 1 })
        .expect(200);
      const edited = response.body.post;
      expect(edited).toMatchObject({
        id: post.id,
        body: 'Score *2-0*',
        html: '<p>Score <em>2-0</em></p>',
        pinned: true,
        keyEvent: false,
        version: 2,
        createdAt: post.createdAt,
      });
      const rows = await eventRows(testApp);
      expect(rows).toHaveLength(2);
      expect(rows[1]).toEqual({
        id: response.body.eventId,
        blogId: post.blogId,
        type: 'update',
        postId: post.id,
        payload: JSON.stringify({ post: edited }),
      });
    });

    it('should answer 409 for a stale version and write nothing', async () => {
      const { post } = await publishPost(testApp, token, slug, { body: 'Original' });
      await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'First edit', version: 1 })
        .expect(200);
      const response = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: 'Second edit from an old copy', version: 1 })
        .expect(409);
      expect(response.body).toMatchObject({
        statusCode: 409,
        error: 'Conflict',
        post: { id: post.id, body: 'First edit', version: 2 },
      });
      expect(await eventRows(testApp)).toHaveLength(2);
      const { body } = await api().get(posts()).expect(200);
      expect(body.posts[0]).toMatchObject({ body: 'First edit', version: 2 });
    });

    it('should apply an edit without a version whatever the current one', async () => {
      const { post } = await publishPost(testApp, token, slug);
      await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ keyEvent: true })
        .expect(200);
      const response = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ pinned: true })
        .expect(200);
      expect(response.body.post).toMatchObject({ keyEvent: true, pinned: true, version: 3 });
    });

    it.each([
      [{ body: null }, 'body must be a string'],
      [{ pinned: null }, 'pinned must be a boolean value'],
      [{ keyEvent: true, version: null }, 'version must be an integer number'],
    ])('should answer 400 for the edit %j and write nothing', async (body, expected) => {
      const { post } = await publishPost(testApp, token, slug);
      const response = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send(body)
        .expect(400);
      expect(JSON.stringify(response.body.message)).toContain(expected);
      expect(await eventRows(testApp)).toHaveLength(1);
    });

    it('should keep the Markdown source exactly as written', async () => {
      const body = '    indented code\n\nand text  ';
      const { post } = await publishPost(testApp, token, slug, { body });
      expect(post.body).toBe(body);
      expect(post.html).toBe('<pre><code>indented code\n</code></pre>\n<p>and text</p>');
    });

    it('should answer 400 for an empty edit', async () => {
      const { post } = await publishPost(testApp, token, slug);
      const response = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({})
        .expect(400);
      expect(response.body.message).toBe(
        'Give at least one of title, body, creditId, status, publishAt, submitted, reviewNote, pinned, keyEvent',
      );
    });

    it('should answer 400 for an id that is not a positive integer', async () => {
      for (const id of [
        'abc',
        '0',
        '-1',
        '1.5',
        '99999999999999999999',
        '0x1',
        '1e0',
        '1.0',
        '%201',
        '01',
      ]) {
        const response = await api()
          .patch(`${posts()}/${id}`)
          .auth(token, { type: 'bearer' })
          .send({ pinned: true })
          .expect(400);
        expect(response.body.message).toBe('id must be a positive integer');
      }
    });

    it('should answer 404 for an unknown id and for an entry of another blog', async () => {
      const other = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, other.slug);
      await api()
        .patch(`${posts()}/999999`)
        .auth(token, { type: 'bearer' })
        .send({ pinned: true })
        .expect(404);
      await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ pinned: true })
        .expect(404);
      expect(await eventRows(testApp)).toHaveLength(1);
    });
  });

  describe('DELETE /api/blogs/:slug/posts/:id', () => {
    it('should remove the entry from reads and log one delete event', async () => {
      const { post } = await publishPost(testApp, token, slug);
      const response = await api()
        .delete(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      const rows = await eventRows(testApp);
      expect(rows[1]).toEqual({
        id: response.body.eventId,
        blogId: post.blogId,
        type: 'delete',
        postId: post.id,
        payload: JSON.stringify({ postId: post.id }),
      });
      expect(response.body).toEqual({ eventId: rows[1].id });
      const { body } = await api().get(posts()).expect(200);
      expect(body.posts).toEqual([]);
      expect(body.lastEventId).toBe(response.body.eventId);
    });

    it('should answer 404 when deleting twice', async () => {
      const { post } = await publishPost(testApp, token, slug);
      await api().delete(`${posts()}/${post.id}`).auth(token, { type: 'bearer' }).expect(200);
      await api().delete(`${posts()}/${post.id}`).auth(token, { type: 'bearer' }).expect(404);
      expect(await eventRows(testApp)).toHaveLength(2);
    });

    it('should answer 400 for /posts/abc and 401 when signed out', async () => {
      await api().delete(`${posts()}/abc`).auth(token, { type: 'bearer' }).expect(400);
      const { post } = await publishPost(testApp, token, slug);
      await api().delete(`${posts()}/${post.id}`).expect(401);
    });
  });
});
