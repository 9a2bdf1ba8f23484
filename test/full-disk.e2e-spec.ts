import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Post } from '../src/posts/post.entity';
import {
  createBlog,
  createUser,
  eventRows,
  issueApiToken,
  PASSWORD,
  publishPost,
  signIn,
  type SignedInClient,
  type TestUser,
} from './support/factories';
import { multipartBody, transparentPng } from './support/photos';
import { RawSseReader, streamUrl, waitUntil } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, type TestApp } from './support/test-app';
import { fillDisk, tmpfsRefusal } from './support/tmpfs';

/**
 * A full disk, for real: the app's SQLite file lives on a small tmpfs mounted by the test, and
 * a filler file takes every byte left. Nothing is mocked: SQLite itself answers SQLITE_FULL.
 */

/** Small, so that filling it is quick; large enough for the migrated database and its WAL. */
const TMPFS_SIZE = '8m';
/** Heartbeats often enough to see a few while writes fail. */
const HEARTBEAT_MS = 1000;
/** /health probes a write at most every 5 s while writes fail: two probes' worth. */
const RECOVERY_MS = 15_000;
const WRITTEN_ON_FULL_DISK = 'Written on a full disk';

const refusal = tmpfsRefusal();
if (refusal) {
  console.warn(`test/full-disk.e2e-spec.ts SKIPPED: cannot mount a tmpfs here (${refusal})`);
}
// Mounting needs root (or CAP_SYS_ADMIN): where it is refused, the suite says so and why.
const describeOnTmpfs = refusal ? describe.skip : describe;

describeOnTmpfs(
  refusal
    ? `A full disk: SKIPPED, mounting a tmpfs is not permitted here (${refusal})`
    : 'A full disk (SQLite on a small tmpfs)',
  () => {
    let dataDir: string;
    let mounted = false;
    let testApp: TestApp;
    let admin: TestUser;
    let editor: SignedInClient;
    let token: string;
    let slug: string;
    let reader: RawSseReader;
    let entries: Array<{ id: number; eventId: number }>;
    const filler = () => join(dataDir, 'filler');
    const api = () => request(testApp.url);

    /** What the server answered while the disk was full. */
    const whileFull = {} as Record<
      'publish' | 'edit' | 'remove' | 'upload' | 'signIn' | 'adminForm' | 'views' | 'page',
      request.Response
    >;
    let healthWhileFull: request.Response;
    let heartbeatsWhileFull = 0;

    beforeAll(async () => {
      dataDir = makeDataDir();
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dataDir]);
      mounted = true;
      testApp = await startTestApp(dataDir, { SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) });
      admin = await createUser(testApp, { role: 'admin' });
      editor = await signIn(testApp, admin);
      token = await issueApiToken(testApp, admin);
      slug = (await createBlog(testApp, token)).slug;
      reader = await RawSseReader.connect(streamUrl(testApp, slug));
      entries = [];
      for (let count = 0; count < 3; count++) {
        const { post, eventId } = await publishPost(testApp, token, slug);
        entries.push({ id: post.id as number, eventId });
      }
      await reader.waitForEntryEvents(3);
      const photo = multipartBody(
        { alt: 'A photo' },
        {
          field: 'file',
          filename: 'photo.png',
          contentType: 'image/png',
          bytes: await transparentPng(),
        },
      );

      fillDisk(filler());

      const [first, second] = entries;
      const heartbeatsBefore = reader.comments.length;
      whileFull.publish = await api()
        .post(`/api/blogs/${slug}/posts`)
        .auth(token, { type: 'bearer' })
        .send({ body: WRITTEN_ON_FULL_DISK });
      whileFull.edit = await api()
        .patch(`/api/blogs/${slug}/posts/${first.id}`)
        .auth(token, { type: 'bearer' })
        .send({ body: WRITTEN_ON_FULL_DISK });
      whileFull.remove = await api()
        .delete(`/api/blogs/${slug}/posts/${second.id}`)
        .auth(token, { type: 'bearer' });
      whileFull.upload = await api()
        .post(`/api/blogs/${slug}/media`)
        .auth(token, { type: 'bearer' })
        .set('Content-Type', photo.contentType)
        .send(photo.body);
      whileFull.signIn = await api()
        .post('/api/auth/login')
        .send({ email: admin.email, password: PASSWORD });
      whileFull.adminForm = await editor.agent
        .post(`/admin/blogs/${slug}/posts`)
        .set('Accept', 'text/html')
        .type('form')
        .send({ _csrf: editor.csrfToken, body: WRITTEN_ON_FULL_DISK });
      whileFull.views = await api()
        .post(`/blogs/${slug}/views`)
        .send({ postIds: [first.id], readerId: 'aFullDiskReader0123456' });
      whileFull.page = await api().get(`/blogs/${slug}`).set('Accept', 'text/html');
      healthWhileFull = await api().get('/health');
      await reader.waitFor(
        (body) => body.comments.length >= heartbeatsBefore + 2,
        'two heartbeats while writes fail',
      );
      heartbeatsWhileFull = reader.comments.length - heartbeatsBefore;
    });

    afterAll(async () => {
      reader?.close();
      await testApp?.close();
      if (mounted) execFileSync('umount', ['--lazy', dataDir]);
      if (dataDir) removeDataDir(dataDir);
    });

    describe('while the disk is full', () => {
      it.each(['publish', 'edit', 'remove', 'upload', 'signIn'] as const)(
        'should answer the API write %s 503 with Retry-After, saying the disk is full',
        (write) => {
          const answer = whileFull[write];
          expect(answer.status).toBe(503);
          expect(answer.headers['retry-after']).toBe('30');
          expect(answer.body).toEqual({
            statusCode: 503,
            error: 'Service Unavailable',
            message:
              'The server cannot save changes right now: its disk is full. Try again in a moment; nothing was saved.',
          });
        },
      );

      it("should show an editor's form post a page that says the disk is full", () => {
        expect(whileFull.adminForm.status).toBe(503);
        expect(whileFull.adminForm.headers['content-type']).toMatch(/^text\/html/);
        expect(whileFull.adminForm.text).toContain('its disk is full');
      });

      it('should still serve reader pages and count views, which wait in memory', () => {
        expect(whileFull.page.status).toBe(200);
        expect(whileFull.views.status).toBe(204);
      });

      it('should keep the open stream up, with its heartbeats, and send it nothing', () => {
        expect(reader.ended).toBe(false);
        expect(heartbeatsWhileFull).toBeGreaterThanOrEqual(2);
        expect(reader.ids).toEqual(entries.map((entry) => entry.eventId));
      });

      it('should say on /health that writes fail because the disk is full', () => {
        expect(healthWhileFull.status).toBe(503);
        expect(healthWhileFull.body).toMatchObject({
          status: 'error',
          info: { database: { status: 'up' } },
          // Terminus's `error` is the contract's `error` here: the checks are in `details`.
          details: {
            storage: {
              status: 'down',
              failure: 'disk-full',
              since: expect.any(String),
              message: 'Writes fail: its disk is full',
            },
          },
        });
      });

      it('should have written nothing half: every entry with its event, the refused in neither', async () => {
        const posts = await testApp.database.getRepository(Post).find({ order: { id: 'ASC' } });
        const events = await eventRows(testApp);
        expect(posts.map((post) => post.id)).toEqual(entries.map((entry) => entry.id));
        expect(events.map((event) => [event.type, event.postId])).toEqual(
          entries.map((entry) => ['post', entry.id]),
        );
        expect(posts.some((post) => post.body === WRITTEN_ON_FULL_DISK)).toBe(false);
        expect(events.some((event) => event.payload.includes(WRITTEN_ON_FULL_DISK))).toBe(false);
      });
    });

    describe('once space is back, without a restart', () => {
      beforeAll(() => rmSync(filler()));

      it('should report healthy again by itself', async () => {
        await waitUntil(
          async () => (await api().get('/health')).status === 200,
          () => '/health to answer 200',
          RECOVERY_MS,
        );
        const health = await api().get('/health').expect(200);
        expect(health.body).toMatchObject({ status: 'ok', info: { storage: { status: 'up' } } });
      });

      it('should write the views counted meanwhile, and send their total', async () => {
        await reader.waitForViews(entries[0].id, 1, RECOVERY_MS);
      });

      it('should take writes again, and the reader gets exactly the new events', async () => {
        const [, second, third] = entries;
        const published = await publishPost(testApp, token, slug, { body: 'Space is back' });
        const edited = await api()
          .patch(`/api/blogs/${slug}/posts/${third.id}`)
          .auth(token, { type: 'bearer' })
          .send({ body: 'Edited once space is back' })
          .expect(200);
        const removed = await api()
          .delete(`/api/blogs/${slug}/posts/${second.id}`)
          .auth(token, { type: 'bearer' })
          .expect(200);
        const newIds = [published.eventId, edited.body.eventId, removed.body.eventId] as number[];
        await reader.waitForId(newIds[2]);
        expect(reader.ids).toEqual([...entries.map((entry) => entry.eventId), ...newIds]);
        expect(reader.entryEvents.slice(-3).map((event) => event.event)).toEqual([
          'post',
          'update',
          'delete',
        ]);
        await api()
          .post('/api/auth/login')
          .send({ email: admin.email, password: PASSWORD })
          .expect(200);
      });

      it('should leave the database file whole', async () => {
        await expect(testApp.database.query('PRAGMA integrity_check')).resolves.toEqual([
          { integrity_check: 'ok' },
        ]);
      });
    });
  },
);
