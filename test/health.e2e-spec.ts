import request from 'supertest';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

describe('GET /health', () => {
  let dataDir: string;
  let testApp: TestApp;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  it('should report the database up, without signing in', async () => {
    const response = await request(testApp.url).get('/health').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('should answer 503 once the database is gone', async () => {
    await testApp.database.destroy();
    const response = await request(testApp.url).get('/health').expect(503);
    expect(response.body).toMatchObject({ status: 'error' });
  });

  it('should carry a request id, keeping the one a proxy sent', async () => {
    const generated = await request(testApp.url).get('/health').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const forwarded = await request(testApp.url)
      .get('/health')
      .set('X-Request-Id', 'proxy-42')
      .expect(200);
    expect(forwarded.headers['x-request-id']).toBe('proxy-42');
  });

  it('should answer unknown routes with a JSON 404', async () => {
    const response = await request(testApp.url).get('/no/such/page').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
