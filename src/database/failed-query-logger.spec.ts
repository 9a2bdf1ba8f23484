import { failedQueryKind } from './failed-query-logger';

/** An error as a driver gives it, with its code. */
const driverError = (code: string, message = 'failed') =>
  Object.assign(new Error(message), { code });

describe(failedQueryKind.name, () => {
  it('should name storage failures as StorageStatus does', () => {
    expect(failedQueryKind(driverError('SQLITE_FULL'))).toBe('disk-full');
    expect(failedQueryKind(driverError('53100'))).toBe('disk-full');
    expect(failedQueryKind(driverError('SQLITE_READONLY'))).toBe('read-only');
    expect(failedQueryKind(driverError('ECONNREFUSED'))).toBe('unreachable');
    expect(failedQueryKind(driverError('SQLITE_BUSY'))).toBe('busy');
  });

  it('should tell constraints apart, as the driver or TypeORM gives them', () => {
    expect(failedQueryKind(driverError('SQLITE_CONSTRAINT_UNIQUE'))).toBe('constraint');
    expect(failedQueryKind(driverError('SQLITE_CONSTRAINT_FOREIGNKEY'))).toBe('constraint');
    expect(failedQueryKind(driverError('23505'))).toBe('constraint');
    expect(failedQueryKind({ driverError: driverError('23503') })).toBe('constraint');
  });

  it('should call anything else a failed query', () => {
    expect(failedQueryKind(driverError('SQLITE_ERROR', 'no such table: x'))).toBe('query');
    expect(failedQueryKind(driverError('42P01'))).toBe('query');
    expect(failedQueryKind('a message only')).toBe('query');
  });
});
