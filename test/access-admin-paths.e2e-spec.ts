import { AccessWorld, BROWSER_ACCEPT, contentSnapshot, unique } from './support/access-world';
import { sendRaw } from './support/raw-http';
import { countChecks } from './support/role-boundary-report';

/*
 * The users pages are for admins however their path is spelled: trailing slashes, case,
 * doubled slashes, dot segments, percent-encoding, queries, HEAD and method overrides.
 */

const checking = countChecks('pathVariants');

describe('Access control', () => {
  describe('odd spellings of admin-only paths', () => {
    const world = new AccessWorld();

    beforeAll(() => world.open());
    afterAll(() => world.close());

    const invite = () => ({
      email: `sneaky-${unique()}@example.test`,
      name: 'Sneaky',
      role: 'admin',
      password: 'a long password',
    });
    const VARIANTS: Array<{ method: string; path: string; form?: () => Record<string, string> }> = [
      { method: 'GET', path: '/admin/users/' },
      { method: 'GET', path: '/ADMIN/USERS' },
      { method: 'GET', path: '/admin/Users' },
      { method: 'GET', path: '/admin//users' },
      { method: 'GET', path: '/admin/./users' },
      { method: 'GET', path: '/admin/blogs/../users' },
      { method: 'GET', path: '/%61dmin/users' },
      { method: 'GET', path: '/admin/users%2F' },
      { method: 'GET', path: '/admin/users?role=admin' },
      { method: 'GET', path: '/admin/users;x' },
      { method: 'HEAD', path: '/admin/users' },
      { method: 'POST', path: '/admin/users/', form: invite },
      { method: 'POST', path: '/ADMIN/USERS', form: invite },
      { method: 'POST', path: '/admin/users?_method=GET', form: invite },
    ];

    it.each(
      VARIANTS.flatMap((variant) =>
        (['anonymous', 'editor session'] as const).map(
          (caller) => [`${variant.method} ${variant.path}`, caller, variant] as const,
        ),
      ),
    )('%s as %s: should be refused, never served', async (_name, caller, variant) => {
      const pass = checking();
      await world.makeRoomForSignIns(() => Number(!world.hasSession('editor')));
      const session = caller === 'anonymous' ? undefined : await world.session('editor');
      const headers: Record<string, string> = { Accept: BROWSER_ACCEPT };
      if (session) headers.Cookie = session.cookie;
      const form = variant.form && {
        ...variant.form(),
        ...(session ? { _csrf: session.csrfToken } : {}),
      };
      const before = await contentSnapshot(world.testApp);

      const got = await sendRaw(world.url, {
        method: variant.method,
        target: variant.path,
        headers,
        form,
      });

      const refusals = caller === 'anonymous' ? [401, 303, 404] : [403, 404];
      expect({ status: got.status, refused: refusals.includes(got.status) }).toEqual({
        status: got.status,
        refused: true,
      });
      if (got.status === 303) expect(got.headers.location).toMatch(/^\/admin\/login\?next=/);
      expect(got.text).not.toContain(world.users.target.email);
      expect(await contentSnapshot(world.testApp)).toEqual(before);
      pass();
    });
  });
});
