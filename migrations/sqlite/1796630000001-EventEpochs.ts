import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
import { keepIdCounter, withForeignKeysOff } from '../../src/database/sqlite-table-rebuild';

/**
 * Each event's epoch (events.epoch), so that a restored copy's events keep the epoch they were
 * written in (database-epoch.ts). Existing events get the database's epoch, which this
 * migration makes first if there is none yet, as DatabaseEpoch.of would: the first insert wins.
 *
 * SQLite adds a NOT NULL column without a default only by rebuilding the table (see
 * sqlite-table-rebuild.ts), with its AUTOINCREMENT counter kept.
 */
export class EventEpochs1796630000001 implements MigrationInterface {
  name = 'EventEpochs1796630000001';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      // A new epoch as database-epoch.ts makes it, inlined so this migration never changes.
      await queryRunner.query(
        `INSERT INTO "settings" ("name", "value") VALUES ('epoch', ?) ON CONFLICT ("name") DO NOTHING`,
        [randomBytes(12).toString('base64url')],
      );
      await queryRunner.query(
        `CREATE TABLE "new_events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "type" varchar(6) NOT NULL, "postId" integer NOT NULL, "payload" text NOT NULL, "createdAt" datetime NOT NULL, "epoch" varchar(16) NOT NULL, CONSTRAINT "CHK_a93356093d9774d9b29692dd9e" CHECK (("type" IN ('post', 'update', 'delete'))), CONSTRAINT "FK_42f69dad86642aa07e7136eb870" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_events" ("id", "blogId", "type", "postId", "payload", "createdAt", "epoch") SELECT "id", "blogId", "type", "postId", "payload", "createdAt", (SELECT "value" FROM "settings" WHERE "name" = 'epoch') FROM "events"`,
      );
      await keepIdCounter(queryRunner, 'events', 'new_events');
      await queryRunner.query(`DROP TABLE "events"`);
      await queryRunner.query(`ALTER TABLE "new_events" RENAME TO "events"`);
      await queryRunner.query(`CREATE INDEX "IDX_events_blog_id" ON "events" ("blogId", "id") `);
    });
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      await queryRunner.query(
        `CREATE TABLE "new_events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "type" varchar(6) NOT NULL, "postId" integer NOT NULL, "payload" text NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "CHK_a93356093d9774d9b29692dd9e" CHECK (("type" IN ('post', 'update', 'delete'))), CONSTRAINT "FK_42f69dad86642aa07e7136eb870" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_events" ("id", "blogId", "type", "postId", "payload", "createdAt") SELECT "id", "blogId", "type", "postId", "payload", "createdAt" FROM "events"`,
      );
      await keepIdCounter(queryRunner, 'events', 'new_events');
      await queryRunner.query(`DROP TABLE "events"`);
      await queryRunner.query(`ALTER TABLE "new_events" RENAME TO "events"`);
      await queryRunner.query(`CREATE INDEX "IDX_events_blog_id" ON "events" ("blogId", "id") `);
    });
  }
}
