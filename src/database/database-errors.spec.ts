import { QueryFailedError } from 'typeorm';
import { ignoreStorageFailure, type StorageFailure, storageFailureOf } from './database-errors';

/** An error as a driver or Node gives it: a message and a code. */
function coded(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

/** As TypeORM wraps a driver's error of a query. */
function fromQuery(driverError: Error): QueryFailedError {
  return new QueryFailedError('INSERT INTO "posts" …', [], driverError);
}

describe('storageFailureOf', () => {
  it.each<[string, StorageFailure]>([
    ['SQLITE_FULL', 'disk-full'],
    ['SQLITE_READONLY', 'read-only'],
    ['SQLITE_READONLY_DBMOVED', 'read-only'],
    ['SQLITE_IOERR_WRITE', 'io-error'],
    ['SQLITE_IOERR_FSYNC', 'io-error'],
    ['SQLITE_CANTOPEN', 'io-error'],
    ['SQLITE_BUSY', 'busy'],
    ['53100', 'disk-full'],
    ['53300', 'busy'],
    ['25006', 'read-only'],
    ['57P01', 'unreachable'],
    ['57P03', 'unreachable'],
    ['08006', 'unreachable'],
    ['58030', 'io-error'],
  ])('should read the driver code %s of a failed query as %s', (code, failure) => {
    expect(storageFailureOf(fromQuery(coded(code)))).toBe(failure);
  });

  it.each<[string, StorageFailure]>([
    ['ENOSPC', 'disk-full'],
    ['EDQUOT', 'disk-full'],
    ['EROFS', 'read-only'],
    ['EIO', 'io-error'],
    ['ECONNREFUSED', 'unreachable'],
    ['ECONNRESET', 'unreachable'],
  ])('should read the system error %s as %s', (code, failure) => {
    expect(storageFailureOf(coded(code))).toBe(failure);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('should read node-postgres\'s "%s" as unreachable', (message) => {
    expect(storageFailureOf(new Error(message))).toBe('unreachable');
  });

  it('should look through a connection to several addresses that all refused', () => {
    const refused = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'refused');
    expect(storageFailureOf(refused)).toBe('unreachable');
  });

  it('should look through an error that has the failure as its cause', () => {
    expect(storageFailureOf(new Error('flush failed', { cause: coded('SQLITE_FULL') }))).toBe(
      'disk-full',
    );
  });

  it.each<[string, unknown]>([
    ['a unique violation', fromQuery(coded('SQLITE_CONSTRAINT_UNIQUE'))],
    ['a PostgreSQL unique violation', fromQuery(coded('23505'))],
    ['a syntax error', fromQuery(coded('42601'))],
    ['a plain error', new Error('a bug')],
    ['a message that quotes "not queryable"', new Error('No blog with the slug "not queryable"')],
    ['a message that quotes a whole sentence', new Error('No blog "Connection terminated"')],
    ['a missing file', coded('ENOENT')],
    ['null', null],
    ['a string', 'SQLITE_FULL'],
  ])('should not take %s for a storage failure', (_what, error) => {
    expect(storageFailureOf(error)).toBeNull();
  });
});

describe('ignoreStorageFailure', () => {
  it('should let a storage failure go', () => {
    expect(() => ignoreStorageFailure(fromQuery(coded('SQLITE_FULL')))).not.toThrow();
  });

  it('should throw anything else on', () => {
    const bug = new Error('a bug');
    expect(() => ignoreStorageFailure(bug)).toThrow(bug);
  });
});
