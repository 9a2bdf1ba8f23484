import { MigrationInterface, QueryRunner } from 'typeorm';

/** Settings every process must share, such as the generated session secret. */
export class Settings1796500300000 implements MigrationInterface {
  name = 'Settings1796500300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "settings" ("name" character varying(64) NOT NULL, "value" text NOT NULL, CONSTRAINT "PK_settings_name" PRIMARY KEY ("name"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "settings"`);
  }
}
