import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users are removed, not deleted: their entries keep their author. */
export class RemovableUsers1795648080878 implements MigrationInterface {
  name = 'RemovableUsers1795648080878';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // ADD COLUMN, not a table rebuild: dropping "users" would cascade to sessions and tokens.
    await queryRunner.query(`ALTER TABLE "users" ADD COLUMN "removedAt" datetime`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "removedAt"`);
  }
}
