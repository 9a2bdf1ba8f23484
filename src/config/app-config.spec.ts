import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  let dir: string;
  const load = (env: Record<string, string>) =>
    loadConfig({ DATABASE_PATH: join(dir, 'liveblog.sqlite'), ...env });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'liveblog-config-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['1', 1],
    ['loopback', ['loopback']],
    ['loopback, 10.0.0.0/8,fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
  ])('should read TRUST_PROXY=%s as %p', (given, expected) => {
    expect(load(given === undefined ? {} : { TRUST_PROXY: given }).TRUST_PROXY).toEqual(expected);
  });

  it.each(['yes', '10.0.0.300', 'loopback,', '-1'])(
    'should refuse TRUST_PROXY=%s in one line',
    (given) => {
      expect(() => load({ TRUST_PROXY: given })).toThrow(InvalidConfigError);
      expect(() => load({ TRUST_PROXY: given })).toThrow(/^Invalid configuration: TRUST_PROXY/);
    },
  );

  it.each([
    ['PORT', '0', 0],
    ['PORT', ' 8080 ', 8080],
    ['SSE_HEARTBEAT_MS', '1000', 1000],
    ['SSE_RETRY_MS', '3600000', 3_600_000],
    ['VIEWS_RATE_LIMIT', '1000000', 1_000_000],
    ['LOG_RETENTION_DAYS', '30', 30],
    ['LOG_RETENTION_DAYS', '1', 1],
  ] as const)('should read %s=%p as %p', (name, given, expected) => {
    expect(load({ [name]: given })[name]).toBe(expected);
  });

  it('should refuse a first webhook retry longer than the longest, in one line', () => {
    expect(() => load({ WEBHOOK_RETRY_MIN_MS: '60000', WEBHOOK_RETRY_MAX_MS: '30000' })).toThrow(
      'Invalid configuration: WEBHOOK_RETRY_MIN_MS must not be more than WEBHOOK_RETRY_MAX_MS',
    );
    // Against the default longest wait (an hour) too.
    expect(() => load({ WEBHOOK_RETRY_MAX_MS: '5000' })).toThrow(InvalidConfigError);
    expect(load({ WEBHOOK_RETRY_MIN_MS: '50', WEBHOOK_RETRY_MAX_MS: '50' })).toMatchObject({
      WEBHOOK_RETRY_MIN_MS: 50,
      WEBHOOK_RETRY_MAX_MS: 50,
    });
  });

  describe('metrics token', () => {
    it('should leave metrics off when METRICS_TOKEN is unset or empty', () => {
      expect(load({}).METRICS_TOKEN).toBeUndefined();
      expect(load({ METRICS_TOKEN: '' }).METRICS_TOKEN).toBeUndefined();
    });

    it('should take a token of 16 characters or more', () => {
      expect(load({ METRICS_TOKEN: 'a'.repeat(16) }).METRICS_TOKEN).toBe('a'.repeat(16));
    });

    it.each(['a'.repeat(15), 'sixteen or more, with spaces'])(
      'should refuse %p in one line that does not print it',
      (given) => {
        const refusal = () => load({ METRICS_TOKEN: given });
        expect(refusal).toThrow(
          new InvalidConfigError(
            'Invalid configuration: METRICS_TOKEN must be at least 16 characters, without spaces',
          ),
        );
      },
    );
  });

  it('should keep the whole event log when LOG_RETENTION_DAYS is unset or empty', () => {
    expect(load({}).LOG_RETENTION_DAYS).toBeUndefined();
    expect(load({ LOG_RETENTION_DAYS: '' }).LOG_RETENTION_DAYS).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty', 'PORT must be an integer from 0 to 65535'],
    ['PORT', '65536', 'PORT must be an integer from 0 to 65535'],
    ['SSE_HEARTBEAT_MS', '999', 'SSE_HEARTBEAT_MS must be an integer from 1000 to 3600000'],
    ['SSE_RETRY_MS', '-1', 'SSE_RETRY_MS must be an integer from 0 to 3600000'],
    ['VIEWS_RATE_LIMIT', '0', 'VIEWS_RATE_LIMIT must be an integer from 1 to 1000000'],
    ['API_WRITE_RATE_LIMIT', '1.5', 'API_WRITE_RATE_LIMIT must be an integer from 1 to 1000000'],
    ['SSE_MAX_PER_ADDRESS', '1000001', 'SSE_MAX_PER_ADDRESS must be an integer from 1 to 1000000'],
    ['LOG_RETENTION_DAYS', '0', 'LOG_RETENTION_DAYS must be an integer from 1 to 36500'],
    ['LOG_RETENTION_DAYS', '7d', 'LOG_RETENTION_DAYS must be an integer from 1 to 36500'],
    ['LOG_RETENTION_DAYS', '36501', 'LOG_RETENTION_DAYS must be an integer from 1 to 36500'],
  ])('should refuse %s=%p, naming its range but not the value', (name, given, message) => {
    expect(() => load({ [name]: given })).toThrow(
      new InvalidConfigError(`Invalid configuration: ${message}`),
    );
  });

  it.each(["'self'", "'none'", "'self' https://news.example.com https://*.example.org:443"])(
    'should take FRAME_ANCESTORS=%s',
    (given) => expect(load({ FRAME_ANCESTORS: given }).FRAME_ANCESTORS).toBe(given),
  );

  it.each(['*', "'self'; script-src *", 'javascript:alert(1)', "'unsafe-inline'"])(
    'should refuse FRAME_ANCESTORS=%p',
    (given) => expect(() => load({ FRAME_ANCESTORS: given })).toThrow(/FRAME_ANCESTORS must be/),
  );

  it('should keep frames to the site itself when FRAME_ANCESTORS is empty', () => {
    expect(load({ FRAME_ANCESTORS: '' }).FRAME_ANCESTORS).toBe("'self'");
  });

  it.each([
    '*',
    "'none'",
    'https://news.example.com',
    'http://localhost:8080 https://*.example.org',
  ])('should take EMBED_ORIGINS=%s', (given) =>
    expect(load({ EMBED_ORIGINS: given }).EMBED_ORIGINS).toBe(given),
  );

  it.each(["'self'", 'news.example.com', 'https://a.test/path', "* 'unsafe-inline'", "'none' *"])(
    'should refuse EMBED_ORIGINS=%p',
    (given) => expect(() => load({ EMBED_ORIGINS: given })).toThrow(/EMBED_ORIGINS must be/),
  );

  it.each([
    ['https://live.example.com', 'https://live.example.com'],
    ['https://live.example.com/', 'https://live.example.com'],
    [' http://LIVE.Example.com:8080 ', 'http://live.example.com:8080'],
    ['https://live.example.com:443', 'https://live.example.com'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ])('should read PUBLIC_URL=%p as the origin %p', (given, expected) => {
    expect(load({ PUBLIC_URL: given }).PUBLIC_URL).toBe(expected);
  });

  it('should leave PUBLIC_URL unset when not given', () => {
    expect(load({}).PUBLIC_URL).toBeUndefined();
  });

  it.each([
    'live.example.com',
    'ftp://live.example.com',
    'https://live.example.com/blog',
    'https://live.example.com/?x=1',
    'https://live.example.com/#top',
    'https://user:secret@live.example.com',
    'https://',
  ])('should refuse PUBLIC_URL=%p in one line, without its value', (given) => {
    expect(() => load({ PUBLIC_URL: given })).toThrow(
      new InvalidConfigError(
        'Invalid configuration: PUBLIC_URL must be an http:// or https:// URL without a path, such as https://live.example.com',
      ),
    );
  });

  describe('session secret', () => {
    const secretFile = () => join(dir, 'liveblog.secret');

    it('should generate one next to the database, readable by the owner only, once', () => {
      const first = load({}).SESSION_SECRET!;
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(statSync(secretFile()).mode & 0o777).toBe(0o600);
      expect(load({}).SESSION_SECRET).toBe(first);
      expect(readFileSync(secretFile(), 'utf8').trim()).toBe(first);
    });

    it('should tighten a secret file restored with looser permissions', () => {
      writeFileSync(secretFile(), 'x'.repeat(40));
      chmodSync(secretFile(), 0o644);
      expect(load({}).SESSION_SECRET).toBe('x'.repeat(40));
      expect(statSync(secretFile()).mode & 0o777).toBe(0o600);
    });

    it('should refuse a secret file that is too short, naming the file', () => {
      writeFileSync(secretFile(), 'short', { mode: 0o600 });
      expect(() => load({})).toThrow(`${secretFile()} must hold at least 32 characters`);
    });

    it('should use SESSION_SECRET from the environment and write no file', () => {
      const given = 'a-secret-from-the-environment-0123456789';
      expect(load({ SESSION_SECRET: given }).SESSION_SECRET).toBe(given);
      expect(() => statSync(secretFile())).toThrow(/ENOENT/);
      expect(() => load({ SESSION_SECRET: 'too short' })).toThrow(
        'Invalid configuration: SESSION_SECRET must be at least 32 characters',
      );
    });
  });

  describe('several processes', () => {
    const secret = 'a-secret-shared-by-every-process-0123456789';

    it('should take PostgreSQL and Redis URLs, leaving the database folder alone', () => {
      const config = load({
        DATABASE_URL: 'postgres://liveblog:pw@db.internal:5432/liveblog',
        REDIS_URL: 'rediss://:pw@cache.internal:6380/2',
        DATABASE_PATH: join(dir, 'not-made', 'liveblog.sqlite'),
        SESSION_SECRET: secret,
      });
      expect(config.DATABASE_URL).toBe('postgres://liveblog:pw@db.internal:5432/liveblog');
      expect(config.REDIS_URL).toBe('rediss://:pw@cache.internal:6380/2');
      expect(() => statSync(join(dir, 'not-made'))).toThrow(/ENOENT/);
    });

    it.each([
      ['DATABASE_URL', 'mysql://root:hunter2@db/liveblog', 'postgres:// or postgresql://'],
      ['DATABASE_URL', 'hunter2', 'postgres:// or postgresql://'],
      ['REDIS_URL', 'http://:hunter2@cache', 'redis:// or rediss://'],
    ])('should refuse %s=%p in one line without the password', (name, given, schemes) => {
      const refusal = () => load({ [name]: given, SESSION_SECRET: secret });
      expect(refusal).toThrow(
        new InvalidConfigError(
          `Invalid configuration: ${name} must be a URL starting with ${schemes}`,
        ),
      );
    });

    it('should write no secret file with DATABASE_URL: the database keeps the secret', () => {
      expect(load({ DATABASE_URL: 'postgres://db/liveblog' }).SESSION_SECRET).toBeUndefined();
      expect(() => statSync(join(dir, 'liveblog.secret'))).toThrow(/ENOENT/);
    });
  });
});
