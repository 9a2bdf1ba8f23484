import type { EntityManager } from 'typeorm';
import type { ImageVariant } from './image-processing';

/**
 * The stored files of photos, read and written in plain SQL: the bytes are a `blob` on SQLite
 * and a `bytea` on PostgreSQL, and TypeORM has no column type for both. Both drivers take and
 * give a Buffer.
 */
export async function saveMediaFiles(
  manager: EntityManager,
  mediaId: number,
  variants: ImageVariant[],
): Promise<void> {
  const { driver } = manager.connection;
  const placeholders = [0, 1, 2, 3].map((index) => driver.createParameter(`p${index}`, index));
  for (const { width, format, bytes } of variants) {
    await manager.query(
      `INSERT INTO "media_files" ("mediaId", "width", "format", "bytes") VALUES (${placeholders.join(', ')})`,
      [mediaId, width, format, bytes],
    );
  }
}

/** The bytes of one stored file, or null when there is none. */
export async function readMediaFile(
  manager: EntityManager,
  mediaId: number,
  width: number,
  format: string,
): Promise<Buffer | null> {
  const { driver } = manager.connection;
  const [row] = await manager.query<{ bytes: Buffer }[]>(
    `SELECT "bytes" FROM "media_files" WHERE "mediaId" = ${driver.createParameter('id', 0)}
       AND "width" = ${driver.createParameter('width', 1)} AND "format" = ${driver.createParameter('format', 2)}`,
    [mediaId, width, format],
  );
  return row?.bytes ?? null;
}
