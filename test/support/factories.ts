import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { ApiTokensService } from '../../src/auth/api-tokens.service';
import { UsersService } from '../../src/auth/users.service';
import type { UserRole } from '../../src/auth/user.entity';
import { LogEvent } from '../../src/event-log/log-event.entity';
import type { TestApp } from './test-app';

let sequence = 0;
const next = () => ++sequence;

export const PASSWORD = 'correct horse battery';

export interface TestUser {
  id: number;
  email: string;
  name: string;
  role: UserRole;
}

export async function createUser(
  testApp: TestApp,
  overrides: Partial<{ email: string; name: string; role: UserRole; password: string }> = {},
): Promise<TestUser> {
  const n = next();
  const user = await testApp.app.get(UsersService).create({
    email: overrides.email ?? `editor${n}@example.test`,
    name: overrides.name ?? `Editor ${n}`,
    role: overrides.role ?? 'editor',
    password: overrides.password ?? PASSWORD,
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** A browser-like client: keeps the session cookie, sends the CSRF token on writes. */
export interface SignedInClient {
  agent: TestAgent;
  csrfToken: string;
  user: TestUser;
}

export async function signIn(
  testApp: TestApp,
  user: TestUser,
  password = PASSWORD,
): Promise<SignedInClient> {
  const agent = request.agent(testApp.url);
  const response = await agent
    .post('/api/auth/login')
    .send({ email: user.email, password })
    .expect(200);
  return { agent, csrfToken: response.body.csrfToken as string, user };
}

/** An editor signed in with a fresh API token, the way scripts talk to the API. */
export async function createApiToken(client: SignedInClient, name = 'script'): Promise<string> {
  const response = await client.agent
    .post('/api/tokens')
    .set('X-CSRF-Token', client.csrfToken)
    .send({ name })
    .expect(201);
  return response.body.secret as string;
}

/** An API token of a user, made the way the admin UI makes one (no request, no rate limit). */
export async function issueApiToken(
  testApp: TestApp,
  user: TestUser,
  name = 'script',
): Promise<string> {
  const entity = await testApp.app.get(UsersService).findByEmail(user.email);
  return (await testApp.app.get(ApiTokensService).create(entity!, name)).secret;
}

export async function createBlog(
  testApp: TestApp,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: number; slug: string; title: string; status: string }> {
  const response = await request(testApp.url)
    .post('/api/blogs')
    .auth(token, { type: 'bearer' })
    .send({ title: `Match day ${next()}`, ...body })
    .expect(201);
  return response.body.blog;
}

export async function publishPost(
  testApp: TestApp,
  token: string,
  slug: string,
  body: Record<string, unknown> = {},
): Promise<{ post: Record<string, any>; eventId: number }> {
  const response = await request(testApp.url)
    .post(`/api/blogs/${encodeURIComponent(slug)}/posts`)
    .auth(token, { type: 'bearer' })
    .send({ body: `Entry ${next()}`, ...body })
    .expect(201);
  return response.body;
}

/** Rows of the event log, oldest first. */
export function eventRows(
  testApp: TestApp,
): Promise<Array<{ id: number; blogId: number; type: string; postId: number; payload: string }>> {
  return testApp.database.getRepository(LogEvent).find({
    select: { id: true, blogId: true, type: true, postId: true, payload: true },
    order: { id: 'ASC' },
  });
}
