import fc from 'fast-check';
import { sessionCookieOf } from './support/cookies';
import { PASSWORD } from './support/factories';
import { dtoFields, hostileForm } from './support/fuzz-inputs';
import { fieldOf, UserState } from './support/fuzz-ledger';
import { emailOf, password, validText } from './support/fuzz-valid-inputs';
import { ENDPOINT_TIMEOUT_MS, idSegment, WriteFuzzer } from './support/write-fuzzer';

/*
 * Hostile input at the admin's forms for users and passwords: inviting, roles, removal, one's
 * own password and another's (see test/support/write-fuzzer.ts for what every answer must be).
 */

describe('Fuzzing the write endpoints and the stream cursor', () => {
  const fuzzer = new WriteFuzzer('fuzz-users');

  beforeAll(() => fuzzer.start(), 60_000);
  afterAll(() => fuzzer.stop());

  describe('the admin forms', () => {
    it(
      'should answer POST /admin/users with 303/4xx and invite only whom it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/users',
          method: 'POST',
          form: true,
          session: () => fuzzer.adminSession,
          params: fc.constant(null),
          target: () => '/admin/users',
          body: hostileForm(
            dtoFields({
              email: emailOf(() => [fuzzer.editor]),
              name: validText(40),
              role: fc.constantFrom('admin', 'editor', 'owner'),
              password,
            }),
            ['email', 'name', 'role', 'password'],
          ),
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const rows: Array<Omit<UserState, 'removed'>> = await fuzzer.testApp.database.query(
              'SELECT id, email, name, role FROM users ORDER BY id',
            );
            const added = rows.filter((row) => !fuzzer.ledger.users.has(row.id));
            expect(added).toHaveLength(1);
            fuzzer.ledger.users.set(added[0].id, { ...added[0], removed: false });
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/role with 303/4xx and change only the roles it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/users/:id/role',
          method: 'POST',
          form: true,
          session: () => fuzzer.adminSession,
          params: idSegment(fuzzer.changeableUserIds, 2, fuzzer.fuzzerUsers),
          target: (id) => `/admin/users/${id()}/role`,
          id: (id) => id(),
          body: hostileForm(dtoFields({ role: fc.constantFrom('admin', 'editor', 'owner') }), [
            'role',
          ]),
          absorb: (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            const user = fuzzer.ledger.users.get(Number(params()));
            expect(user?.removed).toBe(false);
            expect(['admin', 'editor']).toContain(fieldOf(body, 'role'));
            user!.role = fieldOf(body, 'role') as string;
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/remove with 303/4xx and remove only whom it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/users/:id/remove',
          method: 'POST',
          form: true,
          session: () => fuzzer.adminSession,
          params: idSegment(fuzzer.changeableUserIds, 1, fuzzer.fuzzerUsers),
          target: (id) => `/admin/users/${id()}/remove`,
          id: (id) => id(),
          body: hostileForm(dtoFields({}), []),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            expect(fuzzer.ledger.users.get(Number(params()))?.removed).toBe(false);
            fuzzer.ledger.userRemoved(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/account/password with 2xx/4xx and change only the password of the right one',
      async () => {
        let session = await fuzzer.signInRaw(fuzzer.accountHolder);
        await fuzzer.fuzzEndpoint({
          label: 'POST /admin/account/password',
          method: 'POST',
          form: true,
          freshAddress: true,
          session: () => session,
          params: fc.constant(null),
          target: () => '/admin/account/password',
          body: hostileForm(dtoFields({ currentPassword: password, newPassword: password }), [
            'currentPassword',
            'newPassword',
          ]),
          absorb: (answer, { body }) => {
            expect(answer.status).toBeLessThan(300);
            expect(fieldOf(body, 'currentPassword')).toBe(PASSWORD);
            // Every session of the account ends; the one that asked begins anew.
            fuzzer.ledger.passwordChanged(fuzzer.accountHolder.id);
            fuzzer.ledger.signedIn(fuzzer.accountHolder.id);
            const csrfToken = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
            expect(csrfToken).toBeDefined();
            session = { cookie: sessionCookieOf(answer), csrfToken: csrfToken! };
            // Further changes need the new password: the fuzzer only ever sends the old one.
          },
        });
      },
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/password with 303/4xx and set only the passwords it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/users/:id/password',
          method: 'POST',
          form: true,
          session: () => fuzzer.adminSession,
          params: idSegment(fuzzer.changeableUserIds, 2, fuzzer.fuzzerUsers),
          target: (id) => `/admin/users/${id()}/password`,
          id: (id) => id(),
          body: hostileForm(dtoFields({ password }), ['password']),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            fuzzer.ledger.passwordChanged(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
