import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each event's epoch (events.epoch), so that a restored copy's events keep the epoch they were
 * written in (database-epoch.ts). Existing events get the database's epoch, which this
 * migration makes first if there is none yet, as DatabaseEpoch.of would: the first insert wins.
 */
export class EventEpochs1796630000001 implements MigrationInterface {
  name = 'EventEpochs1796630000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A new epoch as database-epoch.ts makes it, inlined so this migration never changes.
    await queryRunner.query(
      `INSERT INTO "settings" ("name", "value") VALUES ('epoch', $1) ON CONFLICT ("name") DO NOTHING`,
      [randomBytes(12).toString('base64url')],
    );
    await queryRunner.query(`ALTER TABLE "events" ADD "epoch" character varying(16)`);
    await queryRunner.query(
      `UPDATE "events" SET "epoch" = (SELECT "value" FROM "settings" WHERE "name" = 'epoch')`,
    );
    await queryRunner.query(`ALTER TABLE "events" ALTER COLUMN "epoch" SET NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "events" DROP COLUMN "epoch"`);
  }
}
