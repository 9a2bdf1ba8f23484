import type { Type } from '@nestjs/common';
import { METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModulesContainer } from '@nestjs/core';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { operationIdOf } from '../src/api-docs/api-docs.service';
import { ROUTES, routeKey, servedRoutes } from './support/access-routes';
import { createUser, PASSWORD, signIn, type TestUser } from './support/factories';
import { DomUtils, parseDocument } from './support/html-parser';
import {
  contractRoutes,
  documentPath,
  type DocumentedOperation,
  type OpenAPIObject,
  operationsOf,
  refsIn,
  resolveRef,
  schemaOf,
  schemaProblems,
} from './support/openapi-document';
import { multipartBody, transparentPng } from './support/photos';
import { expectSecurityHeaders } from './support/security-headers';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * The OpenAPI document and the docs page: the document covers every route of the contract
 * and of the app, says who may call each and what each answers, and the API's real answers
 * are what it says.
 */

const CONTRACT = readFileSync(join(__dirname, '..', 'docs', 'api.md'), 'utf8');
/** What the document covers: the /api routes and the reader page's JSON beacon. */
const isDocumented = (key: string) => / \/api\//.test(key) || key === 'POST /blogs/{slug}/views';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const IMAGE_TYPES: Record<string, string> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
};

describe('The API document (GET /api/openapi.json)', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;
  let document: OpenAPIObject;
  let operations: DocumentedOperation[];
  const keyOf = ({ method, path }: DocumentedOperation) => `${method} ${path}`;

  beforeAll(async () => {
    testApp = await pool.start();
    document = (await request(testApp.url).get('/api/openapi.json').expect(200)).body;
    operations = operationsOf(document);
  });

  afterAll(() => pool.closeAll());

  it('should be an OpenAPI 3 document, public JSON under the strict policy', async () => {
    const answer = await request(testApp.url).get('/api/openapi.json').expect(200);
    expect(answer.type).toBe('application/json');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expectSecurityHeaders('/api/openapi.json', answer.headers);
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info).toMatchObject({ title: 'Liveblog API', version: expect.any(String) });
    expect(Object.keys(document.components?.securitySchemes ?? {}).sort()).toEqual([
      'bearer',
      'csrf',
      'session',
    ]);
  });

  it("should describe every route of docs/api.md's tables that is under /api, and the view beacon", () => {
    const contract = contractRoutes(CONTRACT).filter(isDocumented);
    expect(contract).toEqual(
      expect.arrayContaining([
        'GET /api/blogs',
        'POST /api/blogs/{slug}/posts',
        'PUT /api/account/avatar',
        'DELETE /api/tokens/{id}',
        'GET /api/openapi.json',
        'POST /blogs/{slug}/views',
      ]),
    );
    const documented = operations.map(keyOf);
    expect(contract.filter((route) => !documented.includes(route))).toEqual([]);
  });

  it('should describe every route the app serves under /api, and only routes it serves', () => {
    const served = servedRoutes(testApp).map((key) => documentPath(key));
    const documented = operations.map(keyOf);
    expect({
      undocumented: served.filter(isDocumented).filter((route) => !documented.includes(route)),
      notServed: documented.filter((route) => !served.includes(route)),
    }).toEqual({ undocumented: [], notServed: [] });
  });

  it('should give every operation its success answer with a schema, and its error answers', () => {
    const problems: string[] = [];
    for (const documented of operations) {
      const { method, path, operation } = documented;
      const route = keyOf(documented);
      const statuses = Object.keys(operation.responses);
      const successes = statuses.filter((status) => status.startsWith('2'));
      if (successes.length === 0) problems.push(`${route}: no 2xx answer`);
      for (const status of statuses) {
        const answer = operation.responses[status] as {
          description?: string;
          content?: Record<string, { schema?: object }>;
        };
        if (!answer.description) problems.push(`${route} ${status}: no description`);
        if (status === '204') continue;
        const schemas = Object.values(answer.content ?? {}).map((media) => media.schema);
        if (schemas.length === 0 || schemas.some((schema) => !schema)) {
          problems.push(`${route} ${status}: no schema`);
        }
        if (!status.startsWith('2')) {
          const error = schemaOf(document, answer.content?.['application/json']?.schema ?? {});
          if (!['statusCode', 'message', 'error'].every((f) => error?.required?.includes(f))) {
            problems.push(`${route} ${status}: not {statusCode, message, error}`);
          }
        }
      }
      // The errors each kind of route can give (docs/api.md#errors).
      const access = ROUTES.find((r) => routeKey(r.method, documentPath(r.path)) === route);
      const expected = new Set<string>();
      if (access && access.access !== 'public') expected.add('401');
      if (access && access.access !== 'public' && !SAFE_METHODS.has(method)) expected.add('403');
      if (access?.access === 'editor' || access?.access === 'admin') expected.add('403');
      if (path.includes('{slug}')) expected.add('404');
      if (path.includes('{id}')) ['400', '404'].forEach((status) => expected.add(status));
      if (operation.parameters?.some((p) => 'in' in p && p.in === 'query')) expected.add('400');
      const body = operation.requestBody;
      const bodyTypes = body && 'content' in body ? Object.keys(body.content) : [];
      if (bodyTypes.length > 0) ['400', '413'].forEach((status) => expected.add(status));
      if (bodyTypes.includes('multipart/form-data')) expected.add('415');
      for (const status of expected) {
        if (!statuses.includes(status)) problems.push(`${route}: no ${status} answer`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('should say who may call each route, as the access table does', () => {
    const problems: string[] = [];
    for (const documented of operations) {
      const route = keyOf(documented);
      const access = ROUTES.find((r) => routeKey(r.method, documentPath(r.path)) === route);
      const security = documented.operation.security;
      if (!access || !security) {
        problems.push(`${route}: ${access ? 'no security' : 'not in the access table'}`);
        continue;
      }
      const write = !SAFE_METHODS.has(documented.method);
      const session = write ? { session: [], csrf: [] } : { session: [] };
      const needsNone = security.length === 0 || security.some((r) => !Object.keys(r).length);
      if (access.access === 'public' ? !needsNone : needsNone) {
        problems.push(`${route}: ${access.access}, but security is ${JSON.stringify(security)}`);
      }
      if (access.access !== 'public') {
        expect({ route, security }).toEqual({ route, security: [session, { bearer: [] }] });
      }
    }
    expect(problems).toEqual([]);
    const byRoute = Object.fromEntries(operations.map((o) => [keyOf(o), o.operation.security]));
    expect(byRoute['GET /api/blogs']).toEqual([]);
    expect(byRoute['POST /api/blogs/{slug}/posts']).toEqual([
      { session: [], csrf: [] },
      { bearer: [] },
    ]);
    // Public, but a signed-in caller sees more (drafts).
    expect(byRoute['GET /api/blogs/{slug}/posts']).toEqual([{}, { session: [] }, { bearer: [] }]);
  });

  it('should document every field that a route validates in its body or query', () => {
    const missing: string[] = [];
    for (const module of testApp.app.get(ModulesContainer).values()) {
      for (const { metatype } of module.controllers.values()) {
        const controller = metatype as Type;
        for (const name of Object.getOwnPropertyNames(controller.prototype)) {
          const handler = (controller.prototype as Record<string, unknown>)[name];
          if (typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) {
            continue;
          }
          const documented = operations.find(
            (o) => o.operation.operationId === operationIdOf(controller.name, name),
          );
          if (!documented) continue;
          const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<
            string,
            { index: number; data?: unknown }
          >;
          const types = Reflect.getMetadata(
            'design:paramtypes',
            controller.prototype,
            name,
          ) as Type[];
          for (const [key, { index, data }] of Object.entries(args)) {
            const kind = Number(key.split(':')[0]) as RouteParamtypes;
            if (data !== undefined) continue;
            let fields: string[];
            if (kind === RouteParamtypes.BODY) {
              const content = (documented.operation.requestBody as { content: object }).content;
              const [media] = Object.values(content) as Array<{ schema: object }>;
              fields = Object.keys(schemaOf(document, media.schema).properties ?? {});
            } else if (kind === RouteParamtypes.QUERY) {
              fields = (documented.operation.parameters ?? []).flatMap((p) =>
                'in' in p && p.in === 'query' ? [p.name] : [],
              );
            } else {
              continue;
            }
            const validated = getMetadataStorage()
              .getTargetValidationMetadatas(types[index], '', true, false)
              .map((rule) => rule.propertyName);
            for (const field of new Set(validated)) {
              if (!fields.includes(field)) missing.push(`${keyOf(documented)}: ${field}`);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('should be well-formed: references resolve, path parameters match, operation ids are unique', () => {
    const unresolved = refsIn(document).filter((ref) => resolveRef(document, ref) === undefined);
    expect(unresolved).toEqual([]);
    const described = (tag: string) => (document.tags ?? []).some(({ name }) => name === tag);
    const ids = operations.map((o) => o.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const documented of operations) {
      const inPath = [...documented.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).sort();
      const declared = (documented.operation.parameters ?? [])
        .flatMap((p) => ('in' in p && p.in === 'path' && p.required ? [p.name] : []))
        .sort();
      expect({ route: keyOf(documented), declared }).toEqual({
        route: keyOf(documented),
        declared: inPath,
      });
      // One group each, one the document describes.
      const tags = documented.operation.tags ?? [];
      expect({
        route: keyOf(documented),
        tags: tags.length,
        described: tags.every(described),
      }).toEqual({ route: keyOf(documented), tags: 1, described: true });
      expect(documented.operation.summary).toEqual(expect.any(String));
    }
  });

  describe("the API's real answers", () => {
    let editor: TestUser;
    let credited: TestUser;

    beforeAll(async () => {
      editor = await createUser(testApp, { name: 'Eddie Editor' });
      credited = await createUser(testApp, { name: 'Pat Photographer', role: 'contributor' });
    });

    /** Asserts the answer's status is documented for the route, and its body fits the schema. */
    function expectDocumented(route: string, answer: request.Response): void {
      const documented = operations.find((o) => keyOf(o) === route);
      const declared = documented?.operation.responses[answer.status] as
        { content?: Record<string, { schema: object }> } | undefined;
      expect({ route, status: answer.status, declared: declared !== undefined }).toEqual({
        route,
        status: answer.status,
        declared: true,
      });
      if (answer.status === 204) {
        expect(answer.text).toBe('');
        return;
      }
      const schema = declared?.content?.['application/json']?.schema ?? {};
      expect({
        route,
        status: answer.status,
        problems: schemaProblems(document, schema, answer.body),
      }).toEqual({ route, status: answer.status, problems: [] });
    }

    it('should fit the document: sign-in, tokens, blogs, entries, photos, account, errors', async () => {
      const api = () => request(testApp.url);
      const { agent, csrfToken } = await signIn(testApp, editor);
      const write = <T extends request.Test>(test: T) => test.set('X-CSRF-Token', csrfToken);

      expectDocumented(
        'POST /api/auth/login',
        await api().post('/api/auth/login').send({ email: editor.email, password: PASSWORD }),
      );
      expectDocumented(
        'POST /api/auth/login',
        await api().post('/api/auth/login').send({ email: editor.email, password: 'not it' }),
      );
      expectDocumented('GET /api/auth/me', await agent.get('/api/auth/me'));
      expectDocumented('GET /api/auth/me', await api().get('/api/auth/me'));

      const tokenAnswer = await write(agent.post('/api/tokens')).send({ name: 'importer' });
      expectDocumented('POST /api/tokens', tokenAnswer);
      const bearer = { Authorization: `Bearer ${tokenAnswer.body.secret as string}` };
      expectDocumented('GET /api/tokens', await agent.get('/api/tokens'));
      expectDocumented('POST /api/tokens', await agent.post('/api/tokens').send({ name: 'x' }));

      const blogAnswer = await api().post('/api/blogs').set(bearer).send({ title: 'Cup final' });
      expectDocumented('POST /api/blogs', blogAnswer);
      const slug = blogAnswer.body.blog.slug as string;
      expectDocumented(
        'POST /api/blogs',
        await api().post('/api/blogs').set(bearer).send({ title: 'Again', slug }),
      );
      expectDocumented('POST /api/blogs', await api().post('/api/blogs').set(bearer).send({}));
      expectDocumented('GET /api/blogs', await api().get('/api/blogs'));
      expectDocumented('GET /api/blogs/{slug}', await api().get(`/api/blogs/${slug}`));
      expectDocumented('GET /api/blogs/{slug}', await api().get('/api/blogs/no-such-blog'));
      expectDocumented(
        'PATCH /api/blogs/{slug}',
        await api()
          .patch(`/api/blogs/${slug}`)
          .set(bearer)
          .send({ description: 'Minute by minute' }),
      );

      const png = await transparentPng();
      const avatar = multipartBody(
        {},
        { field: 'file', filename: 'me.png', contentType: 'image/png', bytes: png },
      );
      expectDocumented(
        'PUT /api/account/avatar',
        await api()
          .put('/api/account/avatar')
          .set(bearer)
          .set('Content-Type', avatar.contentType)
          .send(avatar.body),
      );
      const notAnImage = multipartBody(
        {},
        {
          field: 'file',
          filename: 'a.svg',
          contentType: 'image/svg+xml',
          bytes: Buffer.from('<svg/>'),
        },
      );
      expectDocumented(
        'PUT /api/account/avatar',
        await api()
          .put('/api/account/avatar')
          .set(bearer)
          .set('Content-Type', notAnImage.contentType)
          .send(notAnImage.body),
      );
      const photo = multipartBody(
        { alt: 'The teams' },
        { field: 'file', filename: 'a.png', contentType: 'image/png', bytes: png },
      );
      expectDocumented(
        `POST /api/blogs/{slug}/media`,
        await api()
          .post(`/api/blogs/${slug}/media`)
          .set(bearer)
          .set('Content-Type', photo.contentType)
          .send(photo.body),
      );

      const posts = `/api/blogs/${slug}/posts`;
      const published = await api()
        .post(posts)
        .set(bearer)
        .send({ title: 'Kick-off', body: '**Off** we go', creditId: credited.id, keyEvent: true });
      expectDocumented('POST /api/blogs/{slug}/posts', published);
      expect(published.body.post.author.avatarUrl).toEqual(expect.any(String));
      const id = published.body.post.id as number;
      expectDocumented(
        'POST /api/blogs/{slug}/posts',
        await api().post(posts).set(bearer).send({ body: 'Later', status: 'draft' }),
      );
      expectDocumented('GET /api/blogs/{slug}/posts', await api().get(posts));
      expectDocumented(
        'GET /api/blogs/{slug}/posts',
        await api().get(`${posts}?status=draft`).set(bearer),
      );
      expectDocumented('GET /api/blogs/{slug}/posts', await api().get(`${posts}?status=draft`));
      expectDocumented('GET /api/blogs/{slug}/posts', await api().get(`${posts}?limit=0`));
      expectDocumented(
        'PATCH /api/blogs/{slug}/posts/{id}',
        await api().patch(`${posts}/${id}`).set(bearer).send({ pinned: true, version: 1 }),
      );
      const conflict = await api()
        .patch(`${posts}/${id}`)
        .set(bearer)
        .send({ body: 'Stale', version: 1 });
      expect(conflict.status).toBe(409);
      expectDocumented('PATCH /api/blogs/{slug}/posts/{id}', conflict);
      expectDocumented(
        'POST /api/preview',
        await api().post('/api/preview').set(bearer).send({ body: '*Preview*', blog: slug }),
      );
      expectDocumented(
        'DELETE /api/blogs/{slug}/posts/{id}',
        await api().delete(`${posts}/${id}`).set(bearer),
      );
      expectDocumented(
        'DELETE /api/blogs/{slug}/posts/{id}',
        await api().delete(`${posts}/abc`).set(bearer),
      );
      expectDocumented(
        'DELETE /api/blogs/{slug}/posts/{id}',
        await api().delete(`${posts}/${id}`).set(bearer),
      );

      expectDocumented('GET /api/account', await agent.get('/api/account'));
      expectDocumented(
        'PATCH /api/account',
        await write(agent.patch('/api/account')).send({ name: 'Ed' }),
      );
      expectDocumented(
        'PATCH /api/account',
        await agent.patch('/api/account').send({ name: 'Ed' }),
      );
      expectDocumented(
        'DELETE /api/account/avatar',
        await api().delete('/api/account/avatar').set(bearer),
      );
      expectDocumented(
        'POST /blogs/{slug}/views',
        await api()
          .post(`/blogs/${slug}/views`)
          .send({ postIds: [id] }),
      );
      expectDocumented(
        'DELETE /api/tokens/{id}',
        await write(agent.delete(`/api/tokens/${tokenAnswer.body.token.id as number}`)),
      );
      expectDocumented('DELETE /api/tokens/{id}', await write(agent.delete('/api/tokens/999999')));
      expectDocumented('POST /api/auth/logout', await write(agent.post('/api/auth/logout')));
      expectDocumented('GET /api/openapi.json', await api().get('/api/openapi.json'));
    });
  });
});

describe('The API docs page (GET /api/docs)', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await pool.start();
  });

  afterAll(() => pool.closeAll());

  it('should load Swagger UI from our own origin, with no inline code for the policy to block', async () => {
    const page = await request(testApp.url).get('/api/docs').accept('text/html').expect(200);
    expect(page.type).toBe('text/html');
    expectSecurityHeaders('/api/docs', page.headers);
    const html = parseDocument(page.text);
    const elements = DomUtils.findAll(() => true, html.children);
    const inline = elements.filter(
      (element) =>
        element.name === 'style' ||
        'style' in element.attribs ||
        Object.keys(element.attribs).some((name) => /^on/i.test(name)) ||
        (element.name === 'script' && DomUtils.textContent(element).trim() !== ''),
    );
    expect(inline.map((element) => element.name)).toEqual([]);
    const loaded = elements
      .filter((element) => element.name === 'script' || element.name === 'link')
      .map((element) => element.attribs.src ?? element.attribs.href);
    expect(loaded).toEqual([
      expect.stringMatching(/^\/static\/favicon\.svg\?v=/),
      expect.stringMatching(/^\/api\/docs\/swagger-ui\.css\?v=\d+\.\d+\.\d+$/),
      expect.stringMatching(/^\/api\/docs\/swagger-ui-bundle\.js\?v=\d+\.\d+\.\d+$/),
      expect.stringMatching(/^\/static\/js\/api-docs\.js\?v=[0-9a-f]{12}$/),
    ]);

    for (const url of loaded.slice(1, 3)) {
      const file = await request(testApp.url).get(url).expect(200);
      expectSecurityHeaders(url, file.headers);
      expect(file.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const unversioned = await request(testApp.url).get('/api/docs/swagger-ui.css').expect(200);
    expect(unversioned.headers['cache-control']).toBe('no-cache');
  });

  it("should serve the style sheet's icons as files, not data: URLs the policy refuses", async () => {
    const css = await request(testApp.url).get('/api/docs/swagger-ui.css').expect(200);
    expect(css.type).toBe('text/css');
    expect(css.text).not.toMatch(/url\(\s*["']?data:/);
    const images = [...css.text.matchAll(/url\((\/api\/docs\/images\/[0-9a-f]{12}\.(\w+))\)/g)];
    expect(images.length).toBeGreaterThan(10);
    for (const [, url, extension] of new Map(images.map((match) => [match[1], match])).values()) {
      const image = await request(testApp.url).get(url).expect(200);
      expect(image.type).toBe(IMAGE_TYPES[extension]);
    }
  });

  it('should serve nothing else of swagger-ui-dist (its index.html opens the Petstore)', async () => {
    for (const path of [
      'index.html',
      'swagger-initializer.js',
      'oauth2-redirect.html',
      'package.json',
    ]) {
      await request(testApp.url).get(`/api/docs/${path}`).expect(404);
    }
  });
});
