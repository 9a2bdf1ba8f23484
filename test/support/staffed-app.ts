import request from 'supertest';
import {
  createBlog,
  createUser,
  issueApiToken,
  publishPost,
  signIn,
  SignedInClient,
} from './factories';
import { printedSetupLink } from './setup-link';
import type { TestApp, TestAppPool } from './test-app';

/** An app in use: an admin and an editor signed in, the admin's API token, a blog with an entry. */
export interface StaffedApp {
  testApp: TestApp;
  admin: SignedInClient;
  editor: SignedInClient;
  /** The admin's API token. */
  token: string;
  slug: string;
  postId: number;
  /** The setup page, fetched while the app had no user yet (it exists only then). */
  setupPage: request.Response;
}

export async function startStaffedApp(pool: TestAppPool): Promise<StaffedApp> {
  const testApp = await pool.start();
  const setupPage = await request(printedSetupLink(testApp)).get('').expect(200);
  const [adminUser, editorUser] = await Promise.all([
    createUser(testApp, { role: 'admin', name: 'Ada Admin' }),
    createUser(testApp, { name: 'Eddie Editor' }),
  ]);
  const [admin, editor] = await Promise.all([
    signIn(testApp, adminUser),
    signIn(testApp, editorUser),
  ]);
  const token = await issueApiToken(testApp, adminUser);
  const slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
  const postId = (await publishPost(testApp, token, slug, { body: 'Kick-off' })).post.id as number;
  return { testApp, admin, editor, token, slug, postId, setupPage };
}
