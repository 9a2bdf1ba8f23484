import { MigrationInterface, QueryRunner } from 'typeorm';

/** Entries' titles and credits; users' avatars, which are media of no blog. */
export class Bylines1796524556531 implements MigrationInterface {
  name = 'Bylines1796524556531';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "media" ALTER COLUMN "blogId" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "users" ADD "avatarId" integer`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "FK_3e1f52ec904aed992472f2be147" FOREIGN KEY ("avatarId") REFERENCES "media"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "posts" ADD "title" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "posts" ADD "creditId" integer`);
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8" FOREIGN KEY ("creditId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "creditId"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "title"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "FK_3e1f52ec904aed992472f2be147"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "avatarId"`);
    await queryRunner.query(`DELETE FROM "media" WHERE "blogId" IS NULL`);
    await queryRunner.query(`ALTER TABLE "media" ALTER COLUMN "blogId" SET NOT NULL`);
  }
}
