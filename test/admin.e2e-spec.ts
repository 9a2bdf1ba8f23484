import { Logger } from '@nestjs/common';
import request from 'supertest';
import {
  createApiToken,
  createBlog,
  createUser,
  PASSWORD,
  publishPost,
  signIn,
  SignedInClient,
} from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

describe('Admin pages', () => {
  let dataDir: string;
  let testApp: TestApp;
  let admin: SignedInClient;
  let editor: SignedInClient;
  const api = () => request(testApp.url);
  const form = (client: SignedInClient, path: string, fields: Record<string, unknown> = {}) =>
    client.agent
      .post(path)
      .type('form')
      .send({ _csrf: client.csrfToken, ...fields });

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    admin = await signIn(testApp, await createUser(testApp, { role: 'admin', name: 'Ada Admin' }));
    editor = await signIn(testApp, await createUser(testApp, { name: 'Ed Editor' }));
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  describe('signing in and out', () => {
    it.each(['/admin', '/admin/blogs/some-blog', '/admin/users', '/admin/tokens'])(
      'should send a signed-out visitor of %s to the sign-in form',
      async (path) => {
        const response = await api().get(path).expect(303);
        expect(response.headers.location).toBe(`/admin/login?next=${encodeURIComponent(path)}`);
      },
    );

    it('should sign in with the form and go where the visitor was heading', async () => {
      const user = await createUser(testApp, { email: 'kay@example.test' });
      await api()
        .get('/admin/login')
        .expect(200)
        .expect(/<form method="post" action="\/admin\/login"/);
      const wrong = await api()
        .post('/admin/login')
        .type('form')
        .send({ email: user.email, password: 'nope nope nope', next: '/admin/tokens' })
        .expect(401);
      expect(wrong.text).toContain('Wrong email or password');
      expect(wrong.text).toContain('value="kay@example.test"');
      const right = await api()
        .post('/admin/login')
        .type('form')
        .send({ email: user.email, password: PASSWORD, next: '/admin/tokens' })
        .expect(303);
      expect(right.headers.location).toBe('/admin/tokens');
      const offsite = await api()
        .post('/admin/login')
        .type('form')
        .send({ email: user.email, password: PASSWORD, next: '//evil.example/admin' })
        .expect(303);
      expect(offsite.headers.location).toBe('/admin');
    });

    it('should sign out with the form, ending the session', async () => {
      await form(editor, '/admin/logout').expect(303).expect('Location', '/admin/login');
      await editor.agent.get('/admin').expect(303);
    });
  });

  describe('pages', () => {
    it('should answer every page to a signed-in editor', async () => {
      const blog = await createBlog(testApp, await createApiToken(editor), { title: 'Open day' });
      const dashboard = await editor.agent.get('/admin').expect(200);
      expect(dashboard.text).toContain('Open day');
      expect(dashboard.text).toContain(`value="${editor.csrfToken}"`);
      const composer = await editor.agent.get(`/admin/blogs/${blog.slug}`).expect(200);
      expect(composer.text).toContain('id="composer-body"');
      expect(composer.text).toContain(`data-csrf-token="${editor.csrfToken}"`);
      await editor.agent.get('/admin/tokens').expect(200);
      await editor.agent.get('/admin/blogs/no-such-blog').expect(404);
    });

    it('should refuse /admin/users to an editor with a 403 page, and show it to an admin', async () => {
      const refused = await editor.agent.get('/admin/users').set('Accept', 'text/html').expect(403);
      expect(refused.text).toContain('Not allowed');
      await form(editor, '/admin/users', {
        email: 'x@example.test',
        name: 'X',
        role: 'admin',
        password: 'long enough pw',
      }).expect(403);
      const users = await admin.agent.get('/admin/users').expect(200);
      expect(users.text).toContain('Ed Editor');
    });

    it.each([
      ['/admin/blogs', { title: 'No token' }],
      ['/admin/tokens', { name: 'No token' }],
      ['/admin/logout', {}],
    ])('should refuse the form %s without the CSRF token', async (path, fields) => {
      await editor.agent.post(path).type('form').send(fields).expect(403);
      await editor.agent
        .post(path)
        .type('form')
        .send({ ...fields, _csrf: admin.csrfToken })
        .expect(403);
    });
  });

  describe('blogs', () => {
    it('should create a blog from the dashboard form and open its composer', async () => {
      const created = await form(editor, '/admin/blogs', {
        title: 'Budget day',
        slug: '',
        description: '',
      }).expect(303);
      expect(created.headers.location).toBe('/admin/blogs/budget-day');
      const { body } = await api().get('/api/blogs/budget-day').expect(200);
      expect(body.blog).toMatchObject({ title: 'Budget day', description: '', status: 'live' });
    });

    it('should show field errors next to the fields', async () => {
      await createBlog(testApp, await createApiToken(editor), { slug: 'taken' });
      const response = await form(editor, '/admin/blogs', { title: ' ', slug: 'taken' }).expect(
        400,
      );
      expect(response.text).toContain('id="title-error"');
      const taken = await form(editor, '/admin/blogs', { title: 'Fine', slug: 'taken' }).expect(
        400,
      );
      expect(taken.text).toContain('The slug &quot;taken&quot; is already taken');
    });

    it('should end and restart a blog', async () => {
      const blog = await createBlog(testApp, await createApiToken(editor));
      await form(editor, `/admin/blogs/${blog.slug}/status`, { status: 'ended' }).expect(303);
      expect((await api().get(`/api/blogs/${blog.slug}`)).body.blog.status).toBe('ended');
      const composer = await editor.agent.get(`/admin/blogs/${blog.slug}`).expect(200);
      expect(composer.text).toContain('This blog has ended');
      await form(editor, `/admin/blogs/${blog.slug}/status`, { status: 'live' }).expect(303);
      expect((await api().get(`/api/blogs/${blog.slug}`)).body.blog.status).toBe('live');
      await form(editor, `/admin/blogs/${blog.slug}/status`, { status: 'paused' }).expect(400);
    });

    it('should publish from the composer form without JavaScript', async () => {
      const blog = await createBlog(testApp, await createApiToken(editor));
      await form(editor, `/admin/blogs/${blog.slug}/posts`, {
        body: 'From the *form*',
        keyEvent: 'true',
      }).expect(303);
      const { body } = await api().get(`/api/blogs/${blog.slug}/posts`).expect(200);
      expect(body.posts[0]).toMatchObject({
        body: 'From the *form*',
        keyEvent: true,
        pinned: false,
        author: { name: 'Ed Editor' },
      });
      await form(editor, `/admin/blogs/${blog.slug}/posts`, { body: '   ' }).expect(400);
    });

    it('should show each blog with its entries, readers now and latest entry', async () => {
      const token = await createApiToken(editor);
      const blog = await createBlog(testApp, token, { title: 'Counted' });
      await publishPost(testApp, token, blog.slug);
      const { post } = await publishPost(testApp, token, blog.slug);
      const dashboard = await editor.agent.get('/admin').expect(200);
      expect(dashboard.text).toMatch(/2 entries ·\s+<span data-readers-now>0 reading now<\/span>/);
      expect(dashboard.text).toContain(`<time datetime="${post.createdAt}">`);
    });
  });

  describe('users', () => {
    it('should add an editor who can then sign in', async () => {
      await form(admin, '/admin/users', {
        email: 'New@Example.test',
        name: 'Nia New',
        role: 'editor',
        password: 'a good password',
      }).expect(303);
      await api()
        .post('/api/auth/login')
        .send({ email: 'new@example.test', password: 'a good password' })
        .expect(200);
      const again = await form(admin, '/admin/users', {
        email: 'new@example.test',
        name: 'Twice',
        role: 'editor',
        password: 'a good password',
      }).expect(400);
      expect(again.text).toContain('A user with this email exists');
      const invalid = await form(admin, '/admin/users', {
        email: 'nope',
        name: '',
        role: 'boss',
        password: 'short',
      }).expect(400);
      for (const field of ['invite-email-error', 'invite-name-error', 'invite-password-error'])
        expect(invalid.text).toContain(field);
      expect(invalid.text).toContain('role must be admin, editor or contributor');
    });

    it('should change roles but never leave the blog without an admin', async () => {
      await form(admin, `/admin/users/${editor.user.id}/role`, { role: 'admin' }).expect(303);
      await editor.agent.get('/admin/users').expect(200);
      await form(admin, `/admin/users/${editor.user.id}/role`, { role: 'editor' }).expect(303);
      const last = await form(admin, `/admin/users/${admin.user.id}/role`, {
        role: 'editor',
      }).expect(409);
      expect(last.text).toContain('The last admin cannot be removed or made an editor');
      const removal = await form(admin, `/admin/users/${admin.user.id}/remove`).expect(409);
      expect(removal.text).toContain('The last admin cannot be removed');
      await admin.agent.get('/admin/users').expect(200);
    });

    it("should end a removed user's session and token at once, and keep their entries", async () => {
      const token = await createApiToken(editor);
      const blog = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, blog.slug);
      await form(admin, `/admin/users/${editor.user.id}/remove`).expect(303);
      await editor.agent.get('/api/auth/me').expect(401);
      await api().get('/api/auth/me').auth(token, { type: 'bearer' }).expect(401);
      await api()
        .post('/api/auth/login')
        .send({ email: editor.user.email, password: PASSWORD })
        .expect(401);
      const { body } = await api().get(`/api/blogs/${blog.slug}/posts`).expect(200);
      expect(body.posts[0]).toMatchObject({ id: post.id, author: { name: 'Ed Editor' } });
      const users = await admin.agent.get('/admin/users').expect(200);
      expect(users.text).not.toContain('Ed Editor');
      await form(admin, `/admin/users/${editor.user.id}/remove`).expect(404);
      await form(admin, '/admin/users', {
        email: editor.user.email,
        name: 'Ed Back',
        role: 'editor',
        password: 'back again pw',
      }).expect(303);
      await api()
        .post('/api/auth/login')
        .send({ email: editor.user.email, password: 'back again pw' })
        .expect(200);
    });
  });

  describe('API tokens', () => {
    it('should show a new token once, list it without the secret, and revoke it', async () => {
      const created = await form(editor, '/admin/tokens', { name: 'Results feed' }).expect(201);
      const secret = /id="new-token" class="token-secret" readonly value="(lbt_[\w-]+)"/.exec(
        created.text,
      )?.[1];
      expect(secret).toBeDefined();
      await api().get('/api/auth/me').auth(secret!, { type: 'bearer' }).expect(200);
      const list = await editor.agent.get('/admin/tokens').expect(200);
      expect(list.text).toContain('Results feed');
      expect(list.text).not.toContain(secret);
      const id = /action="\/admin\/tokens\/(\d+)\/revoke"/.exec(list.text)?.[1];
      await form(editor, `/admin/tokens/${id}/revoke`).expect(303);
      await api().get('/api/auth/me').auth(secret!, { type: 'bearer' }).expect(401);
      await form(editor, '/admin/tokens', { name: '' }).expect(400);
    });
  });

  describe('audit log', () => {
    it('should log every change with the user who made it', async () => {
      const log = jest.spyOn(Logger.prototype, 'log');
      try {
        await form(editor, '/admin/blogs', { title: 'Audited' }).expect(303);
        const entries = log.mock.calls.map(
          ([entry]) => entry as { audit?: Record<string, unknown> },
        );
        expect(entries).toContainEqual({
          audit: {
            userId: editor.user.id,
            action: 'POST /admin/blogs',
            outcome: 'done',
            status: 303,
          },
        });
      } finally {
        log.mockRestore();
      }
    });
  });
});
