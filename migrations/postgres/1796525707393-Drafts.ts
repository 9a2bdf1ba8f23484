import { MigrationInterface, QueryRunner } from 'typeorm';

/** Drafts, scheduled entries and the review queue; the contributor role. */
export class Drafts1796525707393 implements MigrationInterface {
  name = 'Drafts1796525707393';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727"`);
    // "contributor" is longer than the 10 characters "admin" and "editor" needed.
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "role" TYPE character varying(20)`);
    await queryRunner.query(
      `ALTER TABLE "posts" ADD "status" character varying(10) NOT NULL DEFAULT 'published'`,
    );
    await queryRunner.query(`ALTER TABLE "posts" ADD "publishAt" TIMESTAMP`);
    await queryRunner.query(`ALTER TABLE "posts" ADD "submittedAt" TIMESTAMP`);
    await queryRunner.query(`ALTER TABLE "posts" ADD "reviewNote" character varying(1000)`);
    await queryRunner.query(
      `CREATE INDEX "IDX_posts_due" ON "posts" ("publishAt") WHERE "status" = 'scheduled'`,
    );
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "CHK_c169c7f893b4dceb709211a89c" CHECK ("role" IN ('admin', 'editor', 'contributor'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "CHK_2f688bf5b564ace026b9b9fc3f" CHECK (("status" = 'scheduled') = ("publishAt" IS NOT NULL))`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "CHK_f615d291b49eadca719660da6d" CHECK ("status" IN ('published', 'draft', 'scheduled'))`,
    );
  }

  /** Drafts and scheduled entries go; refused while contributors exist (see SQLite's). */
  public async down(queryRunner: QueryRunner): Promise<void> {
    const [{ contributors }] = (await queryRunner.query(
      `SELECT COUNT(*)::int AS "contributors" FROM "users" WHERE "role" = 'contributor'`,
    )) as Array<{ contributors: number }>;
    if (contributors > 0) {
      throw new Error(`Change the role of the ${contributors} contributors before reverting`);
    }
    await queryRunner.query(`DELETE FROM "posts" WHERE "status" <> 'published'`);
    await queryRunner.query(`ALTER TABLE "users" ALTER COLUMN "role" TYPE character varying(10)`);
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "CHK_f615d291b49eadca719660da6d"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "CHK_2f688bf5b564ace026b9b9fc3f"`);
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "CHK_c169c7f893b4dceb709211a89c"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_due"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "reviewNote"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "submittedAt"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "publishAt"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "status"`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727" CHECK (((role)::text = ANY ((ARRAY['admin'::character varying, 'editor'::character varying])::text[])))`,
    );
  }
}
