import fc from 'fast-check';
import { SIGNED_IN } from './support/fuzz-credentials';
import {
  BodySpec,
  classifyId,
  dtoFields,
  hostileBody,
  hostileForm,
  percentEncode,
} from './support/fuzz-inputs';
import { fieldOf } from './support/fuzz-ledger';
import {
  blogDto,
  blogUpdateDto,
  postDto,
  postUpdateDto,
  validBody,
} from './support/fuzz-valid-inputs';
import {
  decoded,
  ENDPOINT_TIMEOUT_MS,
  idSegment,
  segment,
  WriteFuzzer,
} from './support/write-fuzzer';

/*
 * Hostile input at the writes of blogs and entries, through the JSON API and the admin's
 * forms (see test/support/write-fuzzer.ts for what every answer must be).
 */

describe('Fuzzing the write endpoints and the stream cursor', () => {
  const fuzzer = new WriteFuzzer('fuzz-blogs');

  beforeAll(() => fuzzer.start(), 60_000);
  afterAll(() => fuzzer.stop());

  describe('the JSON API', () => {
    it(
      'should answer POST /api/blogs with 2xx/4xx and create only what it answers 201 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/blogs',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/blogs',
          body: hostileBody(blogDto, ['title', 'slug', 'description']),
          absorb: (answer) => {
            expect(answer.status).toBe(201);
            fuzzer.ledger.blogWritten(answer.json.blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer PATCH /api/blogs/:slug with 2xx/4xx and change only what it answers 200 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'PATCH /api/blogs/:slug',
          method: 'PATCH',
          params: segment(() => [fuzzer.statusSlug], 2),
          target: (slug) => `/api/blogs/${slug()}`,
          body: hostileBody(blogUpdateDto, ['title', 'description', 'status']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(fuzzer.ledger.blogs.has(answer.json.blog.slug)).toBe(true);
            fuzzer.ledger.blogWritten(answer.json.blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/blogs/:slug/posts with 2xx/4xx and publish only what it answers 201 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/blogs/:slug/posts',
          method: 'POST',
          params: segment(() => [fuzzer.postsSlug], 2),
          target: (slug) => `/api/blogs/${slug()}/posts`,
          body: hostileBody(postDto, ['body', 'pinned', 'keyEvent']),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(201);
            const blog = fuzzer.blogAt(params());
            expect(blog?.id).toBe(answer.json.post.blogId);
            fuzzer.ledger.published(blog!.slug, answer.json.post);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer PATCH /api/blogs/:slug/posts/:id with 2xx/4xx and edit only what it answers 200 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'PATCH /api/blogs/:slug/posts/:id',
          method: 'PATCH',
          params: fc.record({
            slug: segment(() => [fuzzer.postsSlug], 6),
            id: idSegment(fuzzer.targetPostIds, 2),
          }),
          target: ({ slug, id }) => `/api/blogs/${slug()}/posts/${id()}`,
          id: ({ id }) => id(),
          body: hostileBody(postUpdateDto, ['body', 'pinned', 'keyEvent', 'version']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            fuzzer.ledger.edited(answer.json.post);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer DELETE /api/blogs/:slug/posts/:id with 2xx/4xx and delete only what it answers 200 for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'DELETE /api/blogs/:slug/posts/:id',
          method: 'DELETE',
          params: fc.record({
            slug: segment(() => [fuzzer.postsSlug], 6),
            id: idSegment(fuzzer.targetPostIds),
          }),
          target: ({ slug, id }) => `/api/blogs/${slug()}/posts/${id()}`,
          id: ({ id }) => id(),
          body: fc.oneof(
            { weight: 3, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
            { weight: 1, arbitrary: hostileBody(postDto, ['body']) },
          ),
          expectAlso: (answer, { params, body, auth }) => {
            // Signed in and without a body, the id alone decides (contract: 400, 404, 200).
            if (!SIGNED_IN.has(auth.mode) || body.kind !== 'none') return;
            const kind = classifyId(params.id());
            if (decoded(params.slug()) === undefined || kind === 'malformed') {
              expect(answer.status).toBe(400);
            } else if (kind === 'well-formed') {
              const post = fuzzer.ledger.posts.get(Number(params.id()));
              const blog = fuzzer.blogAt(params.slug());
              expect(answer.status).toBe(post && post.slug === blog?.slug ? 200 : 404);
            }
          },
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(200);
            fuzzer.ledger.deleted(Number(params.id()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/preview with 2xx/4xx',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/preview',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/preview',
          body: hostileBody(dtoFields({ body: validBody }), ['body']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(answer.json.html).toEqual(expect.any(String));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('the admin forms', () => {
    it(
      'should answer POST /admin/blogs with 2xx/303/4xx and create only what it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/blogs',
          method: 'POST',
          form: true,
          params: fc.constant(null),
          target: () => '/admin/blogs',
          body: hostileForm(blogDto, ['title', 'slug', 'description']),
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const slug = String(answer.headers.location).replace('/admin/blogs/', '');
            expect(fuzzer.ledger.blogs.has(decodeURIComponent(slug))).toBe(false);
            fuzzer.ledger.blogWritten(
              (await fuzzer.api('GET', `/api/blogs/${slug}`, undefined, 200)).blog,
            );
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/blogs/:slug/status with 303/4xx and change only what it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/blogs/:slug/status',
          method: 'POST',
          form: true,
          params: segment(() => [fuzzer.statusSlug], 3),
          target: (slug) => `/admin/blogs/${slug()}/status`,
          body: hostileForm(dtoFields({ status: fc.constantFrom('live', 'ended', 'paused') }), [
            'status',
          ]),
          absorb: async (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            const slug = percentEncode(fuzzer.blogAt(params())!.slug);
            const { blog } = await fuzzer.api('GET', `/api/blogs/${slug}`, undefined, 200);
            expect(blog.status).toBe(fieldOf(body, 'status'));
            fuzzer.ledger.blogWritten(blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/blogs/:slug/posts with 303/4xx and publish only what it redirects for',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/blogs/:slug/posts',
          method: 'POST',
          form: true,
          params: segment(() => [fuzzer.postsSlug], 3),
          target: (slug) => `/admin/blogs/${slug()}/posts`,
          body: hostileForm(
            dtoFields({
              body: validBody,
              pinned: fc.constantFrom('true', 'false', 'on'),
              keyEvent: fc.constantFrom('true', 'false', 'on'),
            }),
            ['body', 'pinned', 'keyEvent'],
          ),
          absorb: async (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            // Any blog the slug names: the fuzzer's own may have made one of "1 ".
            const blog = fuzzer.blogAt(params());
            expect(blog).toBeDefined();
            const [newest] = (await fuzzer.listPosts(blog!.slug)).sort((a, b) => b.id - a.id);
            expect(newest.body).toBe(fieldOf(body, 'body'));
            fuzzer.ledger.published(blog!.slug, newest);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
