import fc from 'fast-check';
import { BodySpec, classifyId, dtoFields, hostileBody, hostileForm } from './support/fuzz-inputs';
import { fieldOf, TokenState } from './support/fuzz-ledger';
import { tokenDto } from './support/fuzz-valid-inputs';
import { ENDPOINT_TIMEOUT_MS, idSegment, WriteFuzzer } from './support/write-fuzzer';

/*
 * Hostile input at the making and revoking of API tokens, through the JSON API and the
 * admin's forms (see test/support/write-fuzzer.ts for what every answer must be).
 */

describe('Fuzzing the write endpoints and the stream cursor', () => {
  const fuzzer = new WriteFuzzer('fuzz-tokens');

  beforeAll(() => fuzzer.start(), 60_000);
  afterAll(() => fuzzer.stop());

  describe('the JSON API', () => {
    it(
      'should answer POST /api/tokens with 2xx/4xx and make only the tokens it answers 201 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/tokens',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/tokens',
          body: hostileBody(tokenDto, ['name']),
          absorb: (answer) => {
            expect(answer.status).toBe(201);
            expect(answer.json.secret).toEqual(expect.any(String));
            const { id, name } = answer.json.token;
            fuzzer.ledger.tokens.set(id, { id, userId: fuzzer.editor.id, name });
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer DELETE /api/tokens/:id with 2xx/4xx and revoke only the tokens it answers 204 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'DELETE /api/tokens/:id',
          method: 'DELETE',
          params: idSegment(
            () => [
              ...fuzzer.revocableTokenIds(fuzzer.editor.id),
              ...fuzzer.revocableTokenIds(fuzzer.admin.id),
            ],
            1,
            fuzzer.fuzzerToken,
          ),
          target: (id) => `/api/tokens/${id()}`,
          id: (id) => id(),
          body: fc.oneof(
            { weight: 3, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
            { weight: 1, arbitrary: hostileBody(tokenDto, ['name']) },
          ),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(204);
            // Only one's own tokens.
            expect(fuzzer.ledger.tokens.get(Number(params()))?.userId).toBe(fuzzer.editor.id);
            fuzzer.ledger.tokens.delete(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('the admin forms', () => {
    it(
      'should answer POST /admin/tokens with 2xx/4xx and make only the tokens it answers 201 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/tokens',
          method: 'POST',
          form: true,
          params: fc.constant(null),
          target: () => '/admin/tokens',
          body: hostileForm(tokenDto, ['name']),
          absorb: async (answer, { body }) => {
            expect(answer.status).toBe(201);
            const rows: TokenState[] = await fuzzer.testApp.database.query(
              'SELECT id, userId, name FROM api_tokens ORDER BY id',
            );
            const added = rows.filter((row) => !fuzzer.ledger.tokens.has(row.id));
            expect(added).toEqual([expect.objectContaining({ userId: fuzzer.editor.id })]);
            expect(added[0].name).toBe(String(fieldOf(body, 'name')).trim());
            fuzzer.ledger.tokens.set(added[0].id, added[0]);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/tokens/:id/revoke with 303/4xx and revoke only the editor’s own tokens',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/tokens/:id/revoke',
          method: 'POST',
          form: true,
          params: idSegment(
            () => [
              ...fuzzer.revocableTokenIds(fuzzer.editor.id),
              ...fuzzer.revocableTokenIds(fuzzer.admin.id),
            ],
            1,
            fuzzer.fuzzerToken,
          ),
          target: (id) => `/admin/tokens/${id()}/revoke`,
          id: (id) => id(),
          body: hostileForm(dtoFields({}), []),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            // Unknown ids and other users' tokens redirect too, and revoke nothing.
            const revoked = fuzzer.ledger.tokens.get(Number(params()));
            if (classifyId(params()) === 'well-formed' && revoked?.userId === fuzzer.editor.id) {
              fuzzer.ledger.tokens.delete(revoked.id);
            }
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
