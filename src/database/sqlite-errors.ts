/** True for a violated UNIQUE constraint (better-sqlite3 reports it as SQLITE_CONSTRAINT_UNIQUE). */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } } | null)?.driverError;
  return driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
