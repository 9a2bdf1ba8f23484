import type { User } from '../../src/auth/user.entity';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { AccessWorld, BROWSER_ACCEPT, randomSecret, unique } from './access-world';
import { createUser, PASSWORD, publishPost } from './factories';
import { multipartBody, transparentPng, uploadPhoto } from './photos';
import type { TestApp } from './test-app';

/*
 * Every route of the API, the reader pages and the admin UI: who may call it, and a request
 * that it takes when the caller may.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `editor`: editors and admins, not contributors. */
export type Access = 'public' | 'signed-in' | 'editor' | 'admin';

/** What one request to a route sends, besides the caller's credentials. */
export interface RouteRequest {
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  /** Any other body, such as a multipart upload. */
  body?: { contentType: string; bytes: Buffer };
  cookies?: string[];
  accept?: string;
}

export interface Route {
  method: Method;
  /** The route as the app registers it. */
  path: string;
  access: Access;
  /** A fresh request for this caller (`user`: the caller's account, when it has one). */
  request(world: AccessWorld, user: User | undefined): Promise<RouteRequest> | RouteRequest;
  /** The answer when the caller may: the status, and where a redirect goes. */
  allowed: { status: number; location?: string };
  /** Sign-in attempts the request itself counts as (sign-in and setup forms). */
  signIns?: number;
  /** The request ends the session of the browser that sends it. */
  endsSession?: boolean;
}

export const isAdminUi = (route: Route) =>
  route.path === '/admin' || route.path.startsWith('/admin/');
export const isApi = (route: Route) => route.path.startsWith('/api/');

/** Whose token a route that takes a token id gets: the caller's own, else an editor's. */
async function freshTokenId(world: AccessWorld, user: User | undefined): Promise<number> {
  const { token } = await world.tokensService.create(user ?? world.entities.editor, 'to revoke');
  return token.id;
}

/** A webhook URL nothing listens on (the discard port): its deliveries fail, harmlessly. */
const UNREACHABLE_HOOK = 'http://127.0.0.1:9/hook';

/** A webhook added the way the API adds one, for routes that take a webhook id. */
async function freshWebhookId(world: AccessWorld): Promise<number> {
  const webhooks = world.testApp.app.get(WebhooksService);
  return (await webhooks.create(world.entities.admin, { url: UNREACHABLE_HOOK })).id;
}

const setupForm = () => ({
  token: randomSecret(),
  email: `late-${unique()}@example.test`,
  name: 'Late Comer',
  password: 'a long password',
});

export const ROUTES: Route[] = [
  // Sign-in, sign-out, setup (JSON)
  {
    method: 'POST',
    path: '/api/auth/login',
    access: 'public',
    signIns: 1,
    endsSession: true,
    request: (w) => ({
      path: '/api/auth/login',
      json: { email: w.users.signInTarget.email, password: PASSWORD },
    }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    access: 'signed-in',
    endsSession: true,
    request: () => ({ path: '/api/auth/logout' }),
    allowed: { status: 204 },
  },
  {
    method: 'GET',
    path: '/api/auth/me',
    access: 'signed-in',
    request: () => ({ path: '/api/auth/me' }),
    allowed: { status: 200 },
  },
  {
    // With users in place there is no setup link: every caller is told so, alike.
    method: 'POST',
    path: '/api/auth/setup',
    access: 'public',
    signIns: 1,
    request: () => ({ path: '/api/auth/setup', json: setupForm() }),
    allowed: { status: 403 },
  },
  // API tokens
  {
    method: 'POST',
    path: '/api/tokens',
    access: 'signed-in',
    request: () => ({ path: '/api/tokens', json: { name: 'another script' } }),
    allowed: { status: 201 },
  },
  {
    method: 'GET',
    path: '/api/tokens',
    access: 'signed-in',
    request: () => ({ path: '/api/tokens' }),
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/tokens/:id',
    access: 'signed-in',
    request: async (w, user) => ({ path: `/api/tokens/${await freshTokenId(w, user)}` }),
    allowed: { status: 204 },
  },
  // Blogs and entries
  {
    method: 'GET',
    path: '/api/blogs',
    access: 'public',
    request: () => ({ path: '/api/blogs' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/blogs',
    access: 'editor',
    request: () => ({ path: '/api/blogs', json: { title: `Blog ${unique()}` } }),
    allowed: { status: 201 },
  },
  {
    method: 'GET',
    path: '/api/blogs/:slug',
    access: 'public',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}` }),
    allowed: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/blogs/:slug',
    access: 'editor',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}`, json: { description: unique() } }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/api/blogs/:slug/posts',
    access: 'public',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}/posts` }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/blogs/:slug/posts',
    access: 'signed-in',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}/posts`, json: { body: unique() } }),
    allowed: { status: 201 },
  },
  {
    method: 'PATCH',
    path: '/api/blogs/:slug/posts/:id',
    access: 'editor',
    request: (w) => ({
      path: `/api/blogs/${w.blog.slug}/posts/${w.post.id}`,
      json: { body: unique() },
    }),
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/blogs/:slug/posts/:id',
    access: 'editor',
    request: async (w) => {
      const { post } = await publishPost(w.testApp, w.apiTokens.admin, w.blog.slug);
      return { path: `/api/blogs/${w.blog.slug}/posts/${post.id}` };
    },
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/blogs/:slug/media',
    access: 'signed-in',
    request: async (w) => {
      const file = { field: 'file', filename: 'a.png', contentType: 'image/png' };
      const { contentType, body } = multipartBody({}, { ...file, bytes: await transparentPng() });
      return { path: `/api/blogs/${w.blog.slug}/media`, body: { contentType, bytes: body } };
    },
    allowed: { status: 201 },
  },
  {
    method: 'GET',
    path: '/media/:ref/:name',
    access: 'public',
    request: async (w) => ({
      path: (await uploadPhoto(w.testApp, w.apiTokens.admin, w.blog.slug)).url,
    }),
    allowed: { status: 200 },
  },
  // One's own account (JSON)
  {
    method: 'GET',
    path: '/api/account',
    access: 'signed-in',
    request: () => ({ path: '/api/account' }),
    allowed: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/account',
    access: 'signed-in',
    request: (w, user) => ({ path: '/api/account', json: { name: user?.name ?? 'Someone' } }),
    allowed: { status: 200 },
  },
  {
    method: 'PUT',
    path: '/api/account/avatar',
    access: 'signed-in',
    request: async () => {
      const file = { field: 'file', filename: 'me.png', contentType: 'image/png' };
      const { contentType, body } = multipartBody({}, { ...file, bytes: await transparentPng() });
      return { path: '/api/account/avatar', body: { contentType, bytes: body } };
    },
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/account/avatar',
    access: 'signed-in',
    request: () => ({ path: '/api/account/avatar' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/preview',
    access: 'signed-in',
    request: () => ({ path: '/api/preview', json: { body: '*Preview*' } }),
    allowed: { status: 200 },
  },
  // The API described (OpenAPI) and its interactive docs
  {
    method: 'GET',
    path: '/api/openapi.json',
    access: 'public',
    request: () => ({ path: '/api/openapi.json' }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/api/docs',
    access: 'public',
    request: () => ({ path: '/api/docs', accept: 'text/html' }),
    allowed: { status: 200 },
  },
  // Reader pages, the stream, the view beacon, health
  {
    method: 'GET',
    path: '/',
    access: 'public',
    request: () => ({ path: '/', accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}`, accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/posts/:id',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/posts/${w.post.id}`, accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/embed',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/embed`, accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/embed.js',
    access: 'public',
    request: () => ({ path: '/embed.js' }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/feed.atom',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/feed.atom` }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/robots.txt',
    access: 'public',
    request: () => ({ path: '/robots.txt' }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/sitemap.xml',
    access: 'public',
    request: () => ({ path: '/sitemap.xml' }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/events',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/events`, accept: 'text/event-stream' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/blogs/:slug/views',
    access: 'public',
    request: (w) => ({
      path: `/blogs/${w.blog.slug}/views`,
      json: { postIds: [w.post.id] },
      cookies: [w.readerCookie],
    }),
    allowed: { status: 204 },
  },
  {
    method: 'GET',
    path: '/health',
    access: 'public',
    request: () => ({ path: '/health' }),
    allowed: { status: 200 },
  },
  // The admin UI: signing in and out, setup
  {
    method: 'GET',
    path: '/admin/login',
    access: 'public',
    request: () => ({ path: '/admin/login' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/login',
    access: 'public',
    signIns: 1,
    endsSession: true,
    request: (w) => ({
      path: '/admin/login',
      form: { email: w.users.signInTarget.email, password: PASSWORD },
    }),
    allowed: { status: 303, location: '/admin' },
  },
  {
    method: 'POST',
    path: '/admin/logout',
    access: 'signed-in',
    endsSession: true,
    request: () => ({ path: '/admin/logout', form: {} }),
    allowed: { status: 303, location: '/admin/login' },
  },
  {
    // No setup link once users exist: the page says the link is not valid, to anyone.
    method: 'GET',
    path: '/admin/setup',
    access: 'public',
    request: () => ({ path: `/admin/setup?token=${randomSecret()}` }),
    allowed: { status: 404 },
  },
  {
    method: 'POST',
    path: '/admin/setup',
    access: 'public',
    signIns: 1,
    request: () => ({ path: '/admin/setup', form: setupForm() }),
    allowed: { status: 404 },
  },
  // The admin UI: blogs
  {
    method: 'GET',
    path: '/admin',
    access: 'signed-in',
    request: () => ({ path: '/admin' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/blogs',
    access: 'editor',
    request: () => ({ path: '/admin/blogs', form: { title: `Form blog ${unique()}` } }),
    allowed: { status: 303 },
  },
  {
    method: 'POST',
    path: '/admin/blogs/:slug/status',
    access: 'editor',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}/status`, form: { status: 'live' } }),
    allowed: { status: 303, location: '/admin' },
  },
  {
    method: 'POST',
    path: '/admin/blogs/:slug/posts',
    access: 'signed-in',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}/posts`, form: { body: unique() } }),
    allowed: { status: 303 },
  },
  {
    method: 'GET',
    path: '/admin/blogs/:slug',
    access: 'signed-in',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}` }),
    allowed: { status: 200 },
  },
  // The admin UI: API tokens
  {
    method: 'GET',
    path: '/admin/tokens',
    access: 'signed-in',
    request: () => ({ path: '/admin/tokens' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/tokens',
    access: 'signed-in',
    request: () => ({ path: '/admin/tokens', form: { name: 'form script' } }),
    allowed: { status: 201 },
  },
  {
    method: 'POST',
    path: '/admin/tokens/:id/revoke',
    access: 'signed-in',
    request: async (w, user) => ({
      path: `/admin/tokens/${await freshTokenId(w, user)}/revoke`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/tokens' },
  },
  // The admin UI: one's own account
  {
    method: 'GET',
    path: '/admin/account',
    access: 'signed-in',
    request: () => ({ path: '/admin/account' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/account/name',
    access: 'signed-in',
    request: (w, user) => ({
      path: '/admin/account/name',
      form: { name: user?.name ?? 'Someone' },
    }),
    allowed: { status: 200 },
  },
  {
    // A wrong current password: the form is shown again, and the caller's sessions and
    // tokens, which a change would end, stay for the next cells.
    method: 'POST',
    path: '/admin/account/password',
    access: 'signed-in',
    signIns: 1,
    request: () => ({
      path: '/admin/account/password',
      form: { currentPassword: 'not the password', newPassword: 'a brand new password' },
    }),
    allowed: { status: 400 },
  },
  // The admin UI: users (admins only)
  {
    method: 'GET',
    path: '/admin/users',
    access: 'admin',
    request: () => ({ path: '/admin/users' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/users',
    access: 'admin',
    request: () => ({
      path: '/admin/users',
      form: {
        email: `invited-${unique()}@example.test`,
        name: 'Ivy Invited',
        role: 'admin',
        password: 'a long password',
      },
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/role',
    access: 'admin',
    request: (w) => ({ path: `/admin/users/${w.users.target.id}/role`, form: { role: 'editor' } }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/password',
    access: 'admin',
    request: (w) => ({
      path: `/admin/users/${w.users.target.id}/password`,
      form: { password: 'a password set by an admin' },
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/remove',
    access: 'admin',
    request: async (w) => ({
      path: `/admin/users/${(await createUser(w.testApp, { name: 'Short Stay' })).id}/remove`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
  // Webhooks (admins only), in the API and the admin UI
  {
    method: 'GET',
    path: '/api/webhooks',
    access: 'admin',
    request: () => ({ path: '/api/webhooks' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/webhooks',
    access: 'admin',
    request: () => ({ path: '/api/webhooks', json: { url: UNREACHABLE_HOOK } }),
    allowed: { status: 201 },
  },
  {
    method: 'PATCH',
    path: '/api/webhooks/:id',
    access: 'admin',
    request: async (w) => ({
      path: `/api/webhooks/${await freshWebhookId(w)}`,
      json: { active: false },
    }),
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/webhooks/:id',
    access: 'admin',
    request: async (w) => ({ path: `/api/webhooks/${await freshWebhookId(w)}` }),
    allowed: { status: 204 },
  },
  {
    method: 'POST',
    path: '/api/webhooks/:id/secret',
    access: 'admin',
    request: async (w) => ({ path: `/api/webhooks/${await freshWebhookId(w)}/secret` }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/api/webhooks/:id/deliveries',
    access: 'admin',
    request: async (w) => ({ path: `/api/webhooks/${await freshWebhookId(w)}/deliveries` }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/admin/webhooks',
    access: 'admin',
    request: () => ({ path: '/admin/webhooks' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/webhooks',
    access: 'admin',
    request: () => ({ path: '/admin/webhooks', form: { url: UNREACHABLE_HOOK, blog: '' } }),
    allowed: { status: 303, location: '/admin/webhooks' },
  },
  {
    method: 'POST',
    path: '/admin/webhooks/:id/active',
    access: 'admin',
    request: async (w) => ({
      path: `/admin/webhooks/${await freshWebhookId(w)}/active`,
      form: { active: 'false' },
    }),
    allowed: { status: 303, location: '/admin/webhooks' },
  },
  {
    method: 'POST',
    path: '/admin/webhooks/:id/secret',
    access: 'admin',
    request: async (w) => ({
      path: `/admin/webhooks/${await freshWebhookId(w)}/secret`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/webhooks' },
  },
  {
    method: 'POST',
    path: '/admin/webhooks/:id/remove',
    access: 'admin',
    request: async (w) => ({
      path: `/admin/webhooks/${await freshWebhookId(w)}/remove`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/webhooks' },
  },
];

export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * The routes the running app answers, from Express's router. Nest also puts middleware in
 * that router as route layers: those bound to every method (`forRoutes('*')`) are left out;
 * those bound to a controller's paths repeat the controller's routes.
 */
export function servedRoutes(testApp: TestApp): string[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
  }
  const express = testApp.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  const routes = new Set<string>();
  for (const { route } of express.router.stack) {
    if (!route) continue;
    const methods = Object.keys(route.methods).filter((method) => route.methods[method]);
    const everyMethod = ['get', 'post', 'put', 'patch', 'delete'].every((m) => methods.includes(m));
    if (everyMethod) continue;
    for (const method of methods) routes.add(routeKey(method, route.path));
  }
  return [...routes].sort();
}
