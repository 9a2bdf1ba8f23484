import request from 'supertest';
import { ViewCounter } from '../src/counters/view-counter.service';
import { PostsService } from '../src/posts/posts.service';
import {
  createApiToken,
  createBlog,
  createUser,
  publishPost,
  signIn,
  TestUser,
} from './support/factories';
import { RawSseReader, streamUrl } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

type Entry = Record<string, any>;

/** Until the wall clock is past `time`: what a scheduled entry waits for, not an event. */
async function clockPast(time: Date): Promise<void> {
  const left = time.getTime() - Date.now();
  if (left >= 0) await new Promise((resolve) => setTimeout(resolve, left + 1));
}

describe('Drafts, scheduled entries and the review queue', () => {
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  let editorToken: string;
  let contributor: TestUser;
  let contributorToken: string;
  let slug: string;
  const streams: RawSseReader[] = [];
  const api = () => request(testApp.url);
  const posts = () => `/api/blogs/${slug}/posts`;

  async function start(): Promise<void> {
    testApp = await startTestApp(dataDir);
  }

  beforeEach(async () => {
    dataDir = makeDataDir();
    await start();
    editor = await createUser(testApp, { name: 'Eddie Editor' });
    editorToken = await createApiToken(await signIn(testApp, editor));
    contributor = await createUser(testApp, { role: 'contributor', name: 'Cy Contributor' });
    contributorToken = await createApiToken(await signIn(testApp, contributor));
    slug = (await createBlog(testApp, editorToken)).slug;
  });

  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    await testApp.close();
    removeDataDir(dataDir);
  });

  async function follow(after?: string): Promise<RawSseReader> {
    const stream = await RawSseReader.connect(streamUrl(testApp, slug, after));
    streams.push(stream);
    return stream;
  }

  function write(token: string, method: 'post' | 'patch' | 'delete', path: string, body?: object) {
    const call = api()[method](path).auth(token, { type: 'bearer' });
    return body ? call.send(body) : call;
  }

  async function draft(token = editorToken, fields: object = {}): Promise<Entry> {
    const response = await write(token, 'post', posts(), {
      title: 'Line-ups',
      body: 'Spain: Simón; Carvajal…',
      status: 'draft',
      ...fields,
    }).expect(201);
    expect(response.body.eventId).toBeNull();
    return response.body.post;
  }

  async function listed(status: string, token = editorToken): Promise<Entry[]> {
    const response = await api()
      .get(`${posts()}?status=${status}`)
      .auth(token, { type: 'bearer' })
      .expect(200);
    return response.body.posts;
  }

  /** Every public surface's view of the blog: which entry ids each shows. */
  async function publicIds(): Promise<Record<string, number[]>> {
    const ids = (text: string) =>
      [...text.matchAll(/id="post-(\d+)"/g)].map((match) => Number(match[1]));
    const page = await api().get(`/blogs/${slug}`).expect(200);
    const list = await api().get(posts()).expect(200);
    const keyEvents = await api().get(`${posts()}?keyEvent=true`).expect(200);
    return {
      page: ids(page.text),
      keyEventsOnPage: [...page.text.matchAll(/href="#post-(\d+)"/g)].map((m) => Number(m[1])),
      api: list.body.posts.map((post: Entry) => post.id),
      apiKeyEvents: keyEvents.body.posts.map((post: Entry) => post.id),
    };
  }

  it('should keep a draft off every public surface, then publish it on top with one post event', async () => {
    const earlier = await publishPost(testApp, editorToken, slug, { body: 'Kick-off' });
    const stream = await follow();
    const hidden = await draft(editorToken, { keyEvent: true, pinned: true });
    const later = await publishPost(testApp, editorToken, slug, { body: '1-0' });
    await stream.waitForId(later.eventId);

    expect(stream.entryEvents.map((event) => event.event)).toEqual(['post']);
    await api().get(`/blogs/${slug}/posts/${hidden.id}`).expect(404);
    const replay = await follow('0');
    await replay.waitForId(later.eventId);
    expect(replay.ids).toEqual([earlier.eventId, later.eventId]);
    expect(await publicIds()).toEqual({
      page: [later.post.id, earlier.post.id],
      keyEventsOnPage: [],
      api: [later.post.id, earlier.post.id],
      apiKeyEvents: [],
    });
    expect((await listed('draft')).map((post) => post.id)).toEqual([hidden.id]);

    const published = await write(editorToken, 'patch', `${posts()}/${hidden.id}`, {
      status: 'published',
    }).expect(200);
    const post = published.body.post;
    expect(post).toMatchObject({ status: 'published', title: 'Line-ups', keyEvent: true });
    // Published now, so on top: a new id after every entry before it.
    expect(post.id).toBeGreaterThan(later.post.id);
    await stream.waitForId(published.body.eventId);
    const event = stream.entryEvents.at(-1)!;
    expect(event.event).toBe('post');
    expect(JSON.parse(event.data).post).toEqual(post);
    expect(await publicIds()).toMatchObject({
      page: [post.id, later.post.id, earlier.post.id],
      keyEventsOnPage: [post.id],
    });
    expect(await listed('draft')).toEqual([]);
    await api().get(`/blogs/${slug}/posts/${hidden.id}`).expect(404);
  });

  it('should send readers a delete when a published entry is taken back, and nothing for its edits', async () => {
    const { post, eventId } = await publishPost(testApp, editorToken, slug, { body: 'Oops' });
    const stream = await follow(String(eventId));
    const back = await write(editorToken, 'patch', `${posts()}/${post.id}`, {
      status: 'draft',
    }).expect(200);
    expect(back.body.post).toMatchObject({ id: post.id, status: 'draft' });
    await stream.waitForId(back.body.eventId);
    expect(stream.entryEvents.map((e) => [e.event, JSON.parse(e.data)])).toEqual([
      ['delete', { postId: post.id }],
    ]);

    const edited = await write(editorToken, 'patch', `${posts()}/${post.id}`, {
      body: 'Fixed',
    }).expect(200);
    expect(edited.body.eventId).toBeNull();
    const removed = await write(editorToken, 'delete', `${posts()}/${post.id}`).expect(200);
    expect(removed.body).toEqual({ eventId: null });
    const marker = await publishPost(testApp, editorToken, slug);
    await stream.waitForId(marker.eventId);
    expect(stream.entryEvents.map((e) => e.event)).toEqual(['delete', 'post']);
  });

  it('should publish a scheduled entry once at its time, and list it as scheduled until then', async () => {
    const stream = await follow();
    const publishAt = new Date(Date.now() + 1500);
    const created = await write(editorToken, 'post', posts(), {
      title: 'Full time',
      body: 'Spain win the cup.',
      status: 'scheduled',
      publishAt: publishAt.toISOString(),
    }).expect(201);
    expect(created.body.post).toMatchObject({
      status: 'scheduled',
      publishAt: publishAt.toISOString(),
    });
    expect((await listed('scheduled')).map((post) => post.id)).toEqual([created.body.post.id]);
    expect((await publicIds()).api).toEqual([]);

    await stream.waitForEntryEvents(1, 10_000);
    const event = stream.entryEvents[0];
    const post = JSON.parse(event.data).post;
    expect(event.event).toBe('post');
    expect(post).toMatchObject({ status: 'published', title: 'Full time', publishAt: null });
    // Published after its time, and within the poll interval and a commit of it.
    const late = new Date(post.createdAt).getTime() - publishAt.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(1500);
    expect(await listed('scheduled')).toEqual([]);
    expect((await publicIds()).api).toEqual([post.id]);
  });

  it('should publish an entry that came due while the server was down as it starts', async () => {
    const publishAt = new Date(Date.now() + 800);
    await write(editorToken, 'post', posts(), {
      body: 'Scheduled before the restart',
      status: 'scheduled',
      publishAt: publishAt.toISOString(),
    }).expect(201);
    await testApp.close();
    await clockPast(publishAt);
    await start();

    const stream = await follow('0');
    await stream.waitForEntryEvents(1);
    expect(JSON.parse(stream.entryEvents[0].data).post.body).toBe('Scheduled before the restart');
    expect(await listed('scheduled')).toEqual([]);
  });

  it('should move entries between draft and scheduled without readers hearing of it', async () => {
    const stream = await follow();
    const entry = await draft();
    const in1h = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await write(editorToken, 'patch', `${posts()}/${entry.id}`, {
      status: 'scheduled',
      publishAt: in1h,
    }).expect(200);
    expect(scheduled.body).toMatchObject({ eventId: null, post: { publishAt: in1h } });
    const edited = await write(editorToken, 'patch', `${posts()}/${entry.id}`, {
      body: 'Still scheduled',
    }).expect(200);
    expect(edited.body.post).toMatchObject({ status: 'scheduled', publishAt: in1h });
    const back = await write(editorToken, 'patch', `${posts()}/${entry.id}`, {
      status: 'draft',
    }).expect(200);
    expect(back.body.post).toMatchObject({ status: 'draft', publishAt: null });
    const marker = await publishPost(testApp, editorToken, slug);
    await stream.waitForId(marker.eventId);
    expect(stream.entryEvents).toHaveLength(1);
  });

  it.each([
    [
      'scheduled without a time',
      { status: 'scheduled' },
      'A scheduled entry needs publishAt, the time to publish it',
    ],
    [
      'a time in the past',
      { status: 'scheduled', publishAt: '2020-01-01T10:00:00Z' },
      'publishAt must be in the future',
    ],
    [
      'a time without a status to go with it',
      { publishAt: '2099-01-01T10:00:00Z' },
      'publishAt goes only with status "scheduled"',
    ],
    [
      'a local time',
      { status: 'scheduled', publishAt: '2099-01-01T10:00:00' },
      'publishAt must be a time like 2026-05-30T19:45:00Z (ISO 8601, with Z or an offset)',
    ],
    [
      'an impossible date',
      { status: 'scheduled', publishAt: '2099-02-31T10:00:00Z' },
      'publishAt is not a real time',
    ],
    ['an unknown status', { status: 'live' }, 'status must be published, draft or scheduled'],
    [
      'a published entry submitted for review',
      { submitted: true },
      'Only a draft is submitted for review or sent back',
    ],
  ])('should refuse %s with a clear 400 and write nothing', async (_case, fields, message) => {
    const response = await write(editorToken, 'post', posts(), { body: 'Entry', ...fields });
    expect(response.status).toBe(400);
    expect([response.body.message].flat()).toContain(message);
    for (const status of ['published', 'draft', 'scheduled']) {
      expect(await listed(status)).toEqual([]);
    }
  });

  it('should publish nothing into an ended blog: no draft by hand (409), no scheduled entry when due', async () => {
    const waiting = await draft();
    const publishAt = new Date(Date.now() + 500);
    await write(editorToken, 'post', posts(), {
      body: 'Due after the end',
      status: 'scheduled',
      publishAt: publishAt.toISOString(),
    }).expect(201);
    await write(editorToken, 'patch', `/api/blogs/${slug}`, { status: 'ended' }).expect(200);

    const refused = await write(editorToken, 'patch', `${posts()}/${waiting.id}`, {
      status: 'published',
    }).expect(409);
    expect(refused.body.message).toBe(`The blog "${slug}" has ended and takes no new entries`);
    await clockPast(publishAt);
    await expect(testApp.app.get(PostsService).publishDue()).resolves.toBe(0);
    expect((await listed('scheduled')).map((post) => post.body)).toEqual(['Due after the end']);
    expect((await publicIds()).api).toEqual([]);

    // Restarted, the blog takes it at once.
    await write(editorToken, 'patch', `/api/blogs/${slug}`, { status: 'live' }).expect(200);
    await expect(testApp.app.get(PostsService).publishDue()).resolves.toBe(1);
  });

  it('should list drafts and scheduled entries to signed-in users only', async () => {
    await draft();
    const response = await api().get(`${posts()}?status=draft`).expect(401);
    expect(response.body.message).toBe('Sign in to see draft entries');
    await api().get(`${posts()}?status=scheduled`).expect(401);
    await api().get(`${posts()}?status=bogus`).expect(400);
  });

  describe('contributors', () => {
    it('should write drafts, submit them, and see an editor send one back with a note', async () => {
      const created = await write(contributorToken, 'post', posts(), {
        title: 'Fans outside',
        body: 'Thousands in the square.',
      }).expect(201);
      const entry = created.body.post;
      expect(entry).toMatchObject({
        status: 'draft',
        submittedAt: null,
        author: { name: 'Cy Contributor' },
      });

      const submitted = await write(contributorToken, 'patch', `${posts()}/${entry.id}`, {
        submitted: true,
      }).expect(200);
      expect(submitted.body.post.submittedAt).toEqual(expect.any(String));
      const queue = (await listed('draft')).filter((post) => post.submittedAt);
      expect(queue.map((post) => [post.id, post.author.name])).toEqual([
        [entry.id, 'Cy Contributor'],
      ]);

      const sentBack = await write(editorToken, 'patch', `${posts()}/${entry.id}`, {
        submitted: false,
        reviewNote: 'Add a photo, please',
      }).expect(200);
      expect(sentBack.body.post).toMatchObject({
        submittedAt: null,
        reviewNote: 'Add a photo, please',
      });
      const mine = await listed('draft', contributorToken);
      expect(mine.map((post) => [post.id, post.reviewNote])).toEqual([
        [entry.id, 'Add a photo, please'],
      ]);

      const again = await write(contributorToken, 'patch', `${posts()}/${entry.id}`, {
        body: 'Thousands in the square, with flares.',
        submitted: true,
      }).expect(200);
      expect(again.body.post).toMatchObject({ reviewNote: null });
      const published = await write(editorToken, 'patch', `${posts()}/${entry.id}`, {
        status: 'published',
      }).expect(200);
      expect(published.body.post).toMatchObject({
        status: 'published',
        submittedAt: null,
        author: { id: contributor.id },
      });
    });

    it('should refuse a contributor what only editors do, and leave everything as it was', async () => {
      const theirs = await draft(contributorToken);
      const colleague = await createUser(testApp, { role: 'contributor' });
      const colleagueDraft = await draft(await createApiToken(await signIn(testApp, colleague)));
      const editorsDraft = await draft();
      const published = (await publishPost(testApp, editorToken, slug)).post;

      const refusals: Array<[string, Promise<request.Response>, string]> = [
        [
          'publish on creation',
          write(contributorToken, 'post', posts(), { body: 'x', status: 'published' }),
          'Contributors write drafts: submit it for review and an editor publishes it',
        ],
        [
          'schedule on creation',
          write(contributorToken, 'post', posts(), {
            body: 'x',
            status: 'scheduled',
            publishAt: '2099-01-01T00:00:00Z',
          }),
          'Contributors write drafts: submit it for review and an editor publishes it',
        ],
        [
          'publish their own draft',
          write(contributorToken, 'patch', `${posts()}/${theirs.id}`, { status: 'published' }),
          'Contributors write drafts: submit it for review and an editor publishes it',
        ],
        [
          'send a draft back',
          write(contributorToken, 'patch', `${posts()}/${theirs.id}`, {
            submitted: false,
            reviewNote: 'me',
          }),
          'Only editors send drafts back with a note',
        ],
        [
          "edit a colleague's draft",
          write(contributorToken, 'patch', `${posts()}/${colleagueDraft.id}`, { body: 'mine now' }),
          'Contributors may change only their own drafts',
        ],
        [
          "edit an editor's draft",
          write(contributorToken, 'patch', `${posts()}/${editorsDraft.id}`, { body: 'mine now' }),
          'Contributors may change only their own drafts',
        ],
        [
          'edit a published entry',
          write(contributorToken, 'patch', `${posts()}/${published.id}`, { body: 'mine now' }),
          'Contributors may change only their own drafts',
        ],
        [
          'delete a published entry',
          write(contributorToken, 'delete', `${posts()}/${published.id}`),
          'Contributors may delete only their own drafts',
        ],
        [
          "delete a colleague's draft",
          write(contributorToken, 'delete', `${posts()}/${colleagueDraft.id}`),
          'Contributors may delete only their own drafts',
        ],
        [
          'create a blog',
          write(contributorToken, 'post', '/api/blogs', { title: 'Mine' }),
          'Your role does not allow this',
        ],
        [
          'change a blog',
          write(contributorToken, 'patch', `/api/blogs/${slug}`, { status: 'ended' }),
          'Your role does not allow this',
        ],
      ];
      for (const [what, answer, message] of refusals) {
        const response = await answer;
        expect([what, response.status, response.body.message]).toEqual([what, 403, message]);
      }
      expect((await listed('draft', contributorToken)).map((post) => post.id)).toEqual([theirs.id]);
      expect((await listed('draft')).map((post) => [post.id, post.version])).toEqual([
        [editorsDraft.id, 1],
        [colleagueDraft.id, 1],
        [theirs.id, 1],
      ]);
      expect((await publicIds()).api).toEqual([published.id]);
      const blogs = await api().get('/api/blogs').expect(200);
      expect(blogs.body.blogs).toHaveLength(1);
      expect(blogs.body.blogs[0].status).toBe('live');

      await write(contributorToken, 'delete', `${posts()}/${theirs.id}`).expect(200);
      expect(await listed('draft', contributorToken)).toEqual([]);
    });
  });

  it('should not count views of a draft nor tell readers of its id', async () => {
    const hidden = await draft();
    const { post } = await publishPost(testApp, editorToken, slug);
    const page = await api().get(`/blogs/${slug}`).expect(200);
    const cookie = [page.headers['set-cookie']].flat()[0].split(';')[0];
    await api()
      .post(`/blogs/${slug}/views`)
      .set('Cookie', cookie)
      .send({ postIds: [hidden.id, post.id] })
      .expect(204);
    await testApp.app.get(ViewCounter).flush();

    expect((await listed('draft'))[0].views).toBe(0);
    expect((await api().get(posts()).expect(200)).body.posts[0].views).toBe(1);
  });
});
