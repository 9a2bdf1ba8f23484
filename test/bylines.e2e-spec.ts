import sharp from 'sharp';
import request from 'supertest';
import {
  createApiToken,
  createBlog,
  createUser,
  publishPost,
  signIn,
  SignedInClient,
  TestUser,
} from './support/factories';
import { DomUtils, Element, parseDocument } from './support/html-parser';
import { multipartBody, phonePhoto } from './support/photos';
import { RawSseReader, streamUrl } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** The text of the first element of `className` inside the entry `postId` of a page. */
function entryPart(page: string, postId: number, className: string): Element | null {
  const entry = DomUtils.getElementById(`post-${postId}`, parseDocument(page).children);
  if (!entry) throw new Error(`No entry ${postId} on the page`);
  return DomUtils.findOne(
    (node: Element) => (node.attribs.class ?? '').split(' ').includes(className),
    [entry],
  );
}

function textOf(element: Element | null): string | null {
  return element ? DomUtils.textContent(element).trim() : null;
}

describe('Headlines and bylines', () => {
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  let client: SignedInClient;
  let token: string;
  let slug: string;
  let stream: RawSseReader | undefined;
  const api = () => request(testApp.url);
  const posts = () => `/api/blogs/${slug}/posts`;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    editor = await createUser(testApp, { name: 'Ada Reporter' });
    client = await signIn(testApp, editor);
    token = await createApiToken(client);
    slug = (await createBlog(testApp, token)).slug;
  });

  afterEach(async () => {
    stream?.close();
    stream = undefined;
    await testApp.close();
    removeDataDir(dataDir);
  });

  function uploadAvatar(bytes: Buffer, contentType = 'image/jpeg') {
    const { contentType: type, body } = multipartBody(
      {},
      { field: 'file', filename: 'me.jpg', contentType, bytes },
    );
    return api()
      .put('/api/account/avatar')
      .auth(token, { type: 'bearer' })
      .set('Content-Type', type)
      .send(body);
  }

  async function fetchBytes(url: string): Promise<Buffer> {
    const response = await api()
      .get(url)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return response.body as Buffer;
  }

  describe('titles', () => {
    it('should show a title above the entry on the page and send it in the stream', async () => {
      stream = await RawSseReader.connect(streamUrl(testApp, slug));
      const { post, eventId } = await publishPost(testApp, token, slug, {
        title: '  GOAL! Okafor makes it 1-0  ',
        body: 'A header from the corner.',
      });
      expect(post.title).toBe('GOAL! Okafor makes it 1-0');

      await stream.waitForId(eventId);
      expect(JSON.parse(stream.entryEvents[0].data).post.title).toBe('GOAL! Okafor makes it 1-0');
      const page = (await api().get(`/blogs/${slug}`).expect(200)).text;
      expect(textOf(entryPart(page, post.id, 'entry-title'))).toBe('GOAL! Okafor makes it 1-0');
      const permalink = (await api().get(`/blogs/${slug}/posts/${post.id}`).expect(200)).text;
      expect(permalink).toContain('<title>GOAL! Okafor makes it 1-0 · ');
    });

    it('should keep old clients that send only a body working, with no title and no credit', async () => {
      const { post } = await publishPost(testApp, token, slug, { body: 'Kick-off!' });
      expect(post).toMatchObject({ title: null, credit: null });
      const page = (await api().get(`/blogs/${slug}`).expect(200)).text;
      expect(entryPart(page, post.id, 'entry-title')).toBeNull();
      expect(entryPart(page, post.id, 'entry-credit')).toBeNull();
    });

    it('should change a title with PATCH and remove it with an empty one', async () => {
      const { post } = await publishPost(testApp, token, slug, { title: 'Half-time' });
      const changed = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ title: 'Half-time: 1-0' })
        .expect(200);
      expect(changed.body.post).toMatchObject({ title: 'Half-time: 1-0', version: 2 });
      const removed = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ title: '' })
        .expect(200);
      expect(removed.body.post).toMatchObject({ title: null, body: post.body, version: 3 });
    });

    it.each([
      [
        '201 characters',
        { title: 'x'.repeat(201) },
        'title must be shorter than or equal to 200 characters',
      ],
      ['two lines', { title: 'Two\nlines' }, 'title must be one line'],
      ['null', { title: null }, 'title must be a string'],
      ['a number', { title: 7 }, 'title must be a string'],
    ])(
      'should refuse a title of %s with a clear 400 and write nothing',
      async (_case, fields, message) => {
        const response = await api()
          .post(posts())
          .auth(token, { type: 'bearer' })
          .send({ body: 'Entry', ...fields })
          .expect(400);
        expect([response.body.message].flat()).toContain(message);
        const list = await api().get(posts()).expect(200);
        expect(list.body.posts).toEqual([]);
      },
    );
  });

  describe('credits', () => {
    it('should credit an entry to another user, shown with their name, and remove it with null', async () => {
      const photographer = await createUser(testApp, { name: 'Ben Lens' });
      const { post } = await publishPost(testApp, token, slug, {
        body: 'The moment of the goal.',
        creditId: photographer.id,
      });
      expect(post.credit).toEqual({ id: photographer.id, name: 'Ben Lens', avatarUrl: null });
      const page = (await api().get(`/blogs/${slug}`).expect(200)).text;
      expect(textOf(entryPart(page, post.id, 'entry-author'))).toBe('Ada Reporter');
      expect(textOf(entryPart(page, post.id, 'entry-credit'))).toBe('with Ben Lens');

      const removed = await api()
        .patch(`${posts()}/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ creditId: null })
        .expect(200);
      expect(removed.body.post.credit).toBeNull();
      const after = (await api().get(`/blogs/${slug}`).expect(200)).text;
      expect(entryPart(after, post.id, 'entry-credit')).toBeNull();
    });

    it('should refuse to credit an unknown user, a removed user, the author, or a non-id', async () => {
      const admin = await createUser(testApp, { role: 'admin' });
      const adminClient = await signIn(testApp, admin);
      const leaver = await createUser(testApp, { name: 'Left Already' });
      await adminClient.agent
        .post(`/admin/users/${leaver.id}/remove`)
        .type('form')
        .send({ _csrf: adminClient.csrfToken })
        .expect((response) => expect(response.status).toBeLessThan(400));

      const cases: Array<[unknown, string]> = [
        [9999, 'No user 9999 to credit'],
        [leaver.id, `No user ${leaver.id} to credit`],
        [editor.id, 'An entry is already by its author: credit someone else'],
        ['2', 'creditId must be a user id (a positive integer) or null'],
        [0, 'creditId must be a user id (a positive integer) or null'],
      ];
      for (const [creditId, message] of cases) {
        const response = await api()
          .post(posts())
          .auth(token, { type: 'bearer' })
          .send({ body: 'Entry', creditId })
          .expect(400);
        expect([response.body.message].flat()).toContain(message);
      }
      expect((await api().get(posts()).expect(200)).body.posts).toEqual([]);
    });
  });

  describe('display name and avatar', () => {
    it('should crop an uploaded picture square, strip its metadata, and show it with every entry of its user', async () => {
      const older = await publishPost(testApp, token, slug, { body: 'Before the picture' });
      const photo = await phonePhoto(1200, 800);

      const { body } = await uploadAvatar(photo).expect(200);
      expect(body.user).toEqual({
        id: editor.id,
        email: editor.email,
        name: 'Ada Reporter',
        role: 'editor',
        avatarUrl: expect.stringMatching(/^\/media\/\d+-[0-9a-f]{12}\/128\.webp$/),
      });
      const stored = await sharp(await fetchBytes(body.user.avatarUrl)).metadata();
      expect(stored).toMatchObject({ format: 'webp', width: 128, height: 128 });
      expect(stored.exif).toBeUndefined();

      const newer = await publishPost(testApp, token, slug, { body: 'With the picture' });
      expect(newer.post.author).toEqual({
        id: editor.id,
        name: 'Ada Reporter',
        avatarUrl: body.user.avatarUrl,
      });
      const page = (await api().get(`/blogs/${slug}`).expect(200)).text;
      for (const postId of [older.post.id, newer.post.id]) {
        const avatar = entryPart(page, postId, 'avatar');
        expect(avatar?.attribs).toMatchObject({ src: body.user.avatarUrl, width: '24' });
      }
    });

    it('should replace a picture (the old files are gone) and remove it', async () => {
      const first = (await uploadAvatar(await phonePhoto(600, 400)).expect(200)).body.user;
      const second = (await uploadAvatar(await phonePhoto(400, 600)).expect(200)).body.user;
      expect(second.avatarUrl).not.toBe(first.avatarUrl);
      await api().get(first.avatarUrl).expect(404);
      await api().get(second.avatarUrl).expect(200);

      const removed = await api()
        .delete('/api/account/avatar')
        .auth(token, { type: 'bearer' })
        .expect(200);
      expect(removed.body.user.avatarUrl).toBeNull();
      await api().get(second.avatarUrl).expect(404);
      const { post } = await publishPost(testApp, token, slug);
      expect(post.author.avatarUrl).toBeNull();
    });

    it('should refuse a picture that is not an image (415) or is missing (400), and keep the old one', async () => {
      const kept = (await uploadAvatar(await phonePhoto(300, 300)).expect(200)).body.user;
      const notImage = await uploadAvatar(Buffer.from('<svg onload="alert(1)"/>'), 'image/png');
      expect(notImage.status).toBe(415);
      expect(notImage.body.message).toBe('Upload a JPEG, PNG, WebP or GIF image');
      const missing = await api()
        .put('/api/account/avatar')
        .auth(token, { type: 'bearer' })
        .set('Content-Type', multipartBody({ name: 'x' }).contentType)
        .send(multipartBody({ name: 'x' }).body);
      expect(missing.status).toBe(400);
      const account = await api().get('/api/account').auth(token, { type: 'bearer' }).expect(200);
      expect(account.body.user.avatarUrl).toBe(kept.avatarUrl);
    });

    it('should change the display name every page shows, and refuse a blank one', async () => {
      const { post } = await publishPost(testApp, token, slug);
      const renamed = await api()
        .patch('/api/account')
        .auth(token, { type: 'bearer' })
        .send({ name: '  Ada Okafor ' })
        .expect(200);
      expect(renamed.body.user.name).toBe('Ada Okafor');
      const page = (await api().get(`/blogs/${slug}`).expect(200)).text;
      expect(textOf(entryPart(page, post.id, 'entry-author'))).toBe('Ada Okafor');

      const blank = await api()
        .patch('/api/account')
        .auth(token, { type: 'bearer' })
        .send({ name: ' ' })
        .expect(400);
      expect([blank.body.message].flat()).toContain('name must not be empty');
    });

    it('should let the account page rename without JavaScript', async () => {
      await client.agent
        .post('/admin/account/name')
        .type('form')
        .send({ _csrf: client.csrfToken, name: 'Ada from the form' })
        .expect(200);
      const page = await client.agent.get('/admin/account').expect(200);
      expect(page.text).toContain('value="Ada from the form"');
      const blank = await client.agent
        .post('/admin/account/name')
        .type('form')
        .send({ _csrf: client.csrfToken, name: '' })
        .expect(400);
      expect(blank.text).toContain('name must not be empty');
    });

    it('should answer 401 to the account routes when signed out', async () => {
      await api().get('/api/account').expect(401);
      await api().patch('/api/account').send({ name: 'x' }).expect(401);
      await api().delete('/api/account/avatar').expect(401);
    });
  });

  it('should publish a title and a credit from the composer form without JavaScript', async () => {
    const photographer = await createUser(testApp, { name: 'Ben Lens' });
    await client.agent
      .post(`/admin/blogs/${slug}/posts`)
      .type('form')
      .send({
        _csrf: client.csrfToken,
        title: 'Red card',
        body: 'Straight red for the defender.',
        creditId: String(photographer.id),
      })
      .expect(303);
    await client.agent
      .post(`/admin/blogs/${slug}/posts`)
      .type('form')
      .send({ _csrf: client.csrfToken, title: '', body: 'No headline here.', creditId: '' })
      .expect(303);
    const list = await api().get(posts()).expect(200);
    expect(
      list.body.posts.map((post: Record<string, any>) => [post.title, post.credit?.name ?? null]),
    ).toEqual([
      [null, null],
      ['Red card', 'Ben Lens'],
    ]);
  });
});
