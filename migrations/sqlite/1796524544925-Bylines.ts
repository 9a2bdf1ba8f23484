import { MigrationInterface, QueryRunner } from 'typeorm';

/** Entries' titles and credits; users' avatars, which are media of no blog. */
export class Bylines1796524544925 implements MigrationInterface {
  name = 'Bylines1796524544925';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // SQLite cannot drop a NOT NULL: "media" is rebuilt. Foreign keys are enforced here, so
    // its files move to a new table first (dropping "media" would cascade to them), and the
    // renames point them at the new "media".
    await queryRunner.query(
      `CREATE TABLE "new_media" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer, "uploaderId" integer, "alt" varchar(1000) NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "hash" varchar(16) NOT NULL, "widths" varchar(100) NOT NULL, "fallback" varchar(4) NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "FK_7e32a6c5077eff9ccb219aa5661" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_1f86c243a422b51f191c282acc7" FOREIGN KEY ("uploaderId") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`INSERT INTO "new_media" SELECT * FROM "media"`);
    await queryRunner.query(
      `CREATE TABLE "new_media_files" ("mediaId" integer NOT NULL, "width" integer NOT NULL, "format" varchar(4) NOT NULL, "bytes" blob NOT NULL, PRIMARY KEY ("mediaId", "width", "format"), CONSTRAINT "FK_media_files_media" FOREIGN KEY ("mediaId") REFERENCES "new_media" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`INSERT INTO "new_media_files" SELECT * FROM "media_files"`);
    await queryRunner.query(`DROP TABLE "media_files"`);
    await queryRunner.query(`DROP TABLE "media"`);
    await queryRunner.query(`ALTER TABLE "new_media" RENAME TO "media"`);
    await queryRunner.query(`ALTER TABLE "new_media_files" RENAME TO "media_files"`);
    await queryRunner.query(`CREATE INDEX "IDX_7e32a6c5077eff9ccb219aa566" ON "media" ("blogId") `);
    // ADD COLUMN, not a rebuild: dropping "users" or "posts" would cascade.
    await queryRunner.query(
      `ALTER TABLE "users" ADD COLUMN "avatarId" integer CONSTRAINT "FK_3e1f52ec904aed992472f2be147" REFERENCES "media" ("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "posts" ADD COLUMN "title" varchar(200)`);
    await queryRunner.query(
      `ALTER TABLE "posts" ADD COLUMN "creditId" integer CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8" REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "creditId"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP COLUMN "title"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "avatarId"`);
    // Avatars have no blog: they go, and "media" keeps its NOT NULL only through a rebuild,
    // which a revert does not need to undo a nullable column nobody else uses.
    await queryRunner.query(`DELETE FROM "media" WHERE "blogId" IS NULL`);
  }
}
