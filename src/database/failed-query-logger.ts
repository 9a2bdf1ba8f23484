import { AdvancedConsoleLogger, type QueryRunner } from 'typeorm';
import type { MetricsService } from '../metrics/metrics.service';
import { storageFailureOf } from './database-errors';

/**
 * A violated constraint, which the code often expects (a taken slug is a 409, not a fault). The
 * driver's error, as the logger gets it, or wrapped by TypeORM (`driverError`).
 */
function isConstraintViolation(error: unknown): boolean {
  const failed = error as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = failed?.code ?? failed?.driverError?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || /^23/.test(code));
}

/**
 * What kind of failure a failed query was (`liveblog_database_errors_total{kind}`): a storage
 * failure (disk-full, read-only, unreachable, io-error, busy), a constraint, or any other query.
 */
export function failedQueryKind(error: unknown): string {
  return storageFailureOf(error) ?? (isConstraintViolation(error) ? 'constraint' : 'query');
}

/**
 * TypeORM's default logger (it prints migrations, and nothing else unless `logging` says so),
 * counting every failed query as it goes: the one place every query of the app passes, on
 * SQLite and PostgreSQL alike.
 */
export class FailedQueryLogger extends AdvancedConsoleLogger {
  constructor(private readonly metrics: MetricsService) {
    super(undefined);
  }

  override logQueryError(
    error: string,
    query: string,
    parameters?: unknown[],
    queryRunner?: QueryRunner,
  ): void {
    // Typed as a string, but the drivers give their Error, with its code.
    this.metrics.databaseErrors.inc({ kind: failedQueryKind(error) });
    super.logQueryError(error, query, parameters, queryRunner);
  }
}
