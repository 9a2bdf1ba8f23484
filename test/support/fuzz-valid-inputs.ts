import fc from 'fast-check';
import { PASSWORD, TestUser } from './factories';
import { dtoFields } from './fuzz-inputs';

/*
 * The valid side of a fuzz run: valid writes interleaved with the hostile ones (the data that
 * must come out intact), and the plausible field values of each DTO.
 */

/** One hostile input in five is followed by a valid write. */
export const VALID_OP_ONE_IN = 5;

export type ValidOp =
  | { op: 'create-blog'; title: string; description: string }
  | { op: 'publish'; blog: number; body: string; pinned: boolean; keyEvent: boolean }
  | {
      op: 'edit';
      post: number;
      body?: string;
      pinned?: boolean;
      keyEvent?: boolean;
      withVersion: boolean;
    }
  | { op: 'delete'; post: number }
  | { op: 'view'; post: number; reader: number }
  | { op: 'create-token'; name: string };

/** Valid text that is hard to store: any code point (NULs, astral, RTL marks), never blank. */
export const validText = (maxLength: number) =>
  fc.string({ unit: 'binary', minLength: 1, maxLength }).filter((text) => /\S/.test(text));

export const validBody = fc.oneof(
  { weight: 6, arbitrary: validText(300) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'x'.repeat(20_000),
      'a\u0000b',
      '<script>alert(1)</script>',
      '    indented code',
      '\ud83d\ude00',
      '{{constructor}}',
    ),
  },
);

export const validOp: fc.Arbitrary<ValidOp> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('create-blog' as const),
      title: validText(80),
      description: fc.string({ unit: 'binary', maxLength: 200 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      blog: fc.nat(),
      body: validBody,
      pinned: fc.boolean(),
      keyEvent: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        op: fc.constant('edit' as const),
        post: fc.nat(),
        body: validBody,
        pinned: fc.boolean(),
        keyEvent: fc.boolean(),
        withVersion: fc.boolean(),
      },
      { requiredKeys: ['op', 'post', 'withVersion'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), post: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('view' as const), post: fc.nat(), reader: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('create-token' as const), name: validText(60) }),
  },
);

/** Reader ids of the reader cookie (22 characters of [\w-]). */
export const READERS = ['fuzz-reader-one', 'fuzz-reader-two', 'fuzz-reader-three'].map((name) =>
  name.padEnd(22, '_'),
);

export const pick = <T>(items: T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

/** Plausible field values of the DTOs, which dtoFields mixes with hostile ones. */
export const blogDto = dtoFields({
  title: validText(80),
  slug: fc.oneof(
    fc.stringMatching(/^[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}$/),
    fc.constant('valid-1'),
  ),
  description: fc.string({ maxLength: 100 }),
});
export const blogUpdateDto = dtoFields({
  title: validText(80),
  description: fc.string({ maxLength: 100 }),
  status: fc.constantFrom('live', 'ended'),
});
export const postDto = dtoFields({ body: validBody, pinned: fc.boolean(), keyEvent: fc.boolean() });
export const postUpdateDto = dtoFields({
  body: validBody,
  pinned: fc.boolean(),
  keyEvent: fc.boolean(),
  version: fc.integer({ min: 0, max: 4 }),
});
export const tokenDto = dtoFields({ name: validText(60) });
/** An address: any, or one of these users' as given or respelled. */
export const emailOf = (users: () => TestUser[]) =>
  fc.oneof(
    fc.emailAddress(),
    fc.nat().map((index) => pick(users(), index)!.email),
    fc.nat().map((index) => ` ${pick(users(), index)!.email.toUpperCase()} `),
  );
/** The users' password, or another. */
export const password = fc.oneof(
  fc.constant(PASSWORD),
  fc.string({ minLength: 10, maxLength: 40 }),
);
/** The first admin's setup form: a link token that is never the right one. */
export const setupDto = dtoFields({
  token: fc.string({ maxLength: 64 }),
  email: fc.emailAddress(),
  name: validText(40),
  password,
});
