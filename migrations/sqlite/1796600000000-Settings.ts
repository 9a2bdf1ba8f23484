import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settings of the database itself, the same table as on PostgreSQL: its epoch (see
 * database-epoch.ts) and how far the event log has been pruned (log-retention.service.ts).
 */
export class Settings1796600000000 implements MigrationInterface {
  name = 'Settings1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "settings" ("name" varchar(64) PRIMARY KEY NOT NULL, "value" text NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "settings"`);
  }
}
