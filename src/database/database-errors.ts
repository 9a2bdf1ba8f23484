/** True for a violated UNIQUE constraint, as better-sqlite3 or PostgreSQL (23505) reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } } | null)?.driverError;
  return driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE' || driverError?.code === '23505';
}
