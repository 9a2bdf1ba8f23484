import { MigrationInterface, QueryRunner } from 'typeorm';

/** How many readers have seen each entry (counted in memory, written about once a second). */
export class PostViews1795649000000 implements MigrationInterface {
  name = 'PostViews1795649000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "posts" ADD COLUMN "views" integer NOT NULL DEFAULT (0)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "views"`);
  }
}
