import { MigrationInterface, QueryRunner } from 'typeorm';
import { keepIdCounter, withForeignKeysOff } from '../../src/database/sqlite-table-rebuild';

/** Entries' titles and credits; users' avatars, which are media of no blog. */
export class Bylines1796524544925 implements MigrationInterface {
  name = 'Bylines1796524544925';
  /** Foreign keys off for the rebuilds: see withForeignKeysOff. */
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      // SQLite cannot drop a NOT NULL: "media" is rebuilt, and its files move along with it.
      await queryRunner.query(
        `CREATE TABLE "new_media" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer, "uploaderId" integer, "alt" varchar(1000) NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "hash" varchar(16) NOT NULL, "widths" varchar(100) NOT NULL, "fallback" varchar(4) NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "FK_7e32a6c5077eff9ccb219aa5661" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_1f86c243a422b51f191c282acc7" FOREIGN KEY ("uploaderId") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(`INSERT INTO "new_media" SELECT * FROM "media"`);
      await queryRunner.query(
        `CREATE TABLE "new_media_files" ("mediaId" integer NOT NULL, "width" integer NOT NULL, "format" varchar(4) NOT NULL, "bytes" blob NOT NULL, PRIMARY KEY ("mediaId", "width", "format"), CONSTRAINT "FK_media_files_media" FOREIGN KEY ("mediaId") REFERENCES "new_media" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(`INSERT INTO "new_media_files" SELECT * FROM "media_files"`);
      await keepIdCounter(queryRunner, 'media', 'new_media');
      await queryRunner.query(`DROP TABLE "media_files"`);
      await queryRunner.query(`DROP TABLE "media"`);
      await queryRunner.query(`ALTER TABLE "new_media" RENAME TO "media"`);
      await queryRunner.query(`ALTER TABLE "new_media_files" RENAME TO "media_files"`);
      await queryRunner.query(
        `CREATE INDEX "IDX_7e32a6c5077eff9ccb219aa566" ON "media" ("blogId") `,
      );
      // A new nullable column needs no rebuild.
      await queryRunner.query(
        `ALTER TABLE "users" ADD COLUMN "avatarId" integer CONSTRAINT "FK_3e1f52ec904aed992472f2be147" REFERENCES "media" ("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
      );
      await queryRunner.query(`ALTER TABLE "posts" ADD COLUMN "title" varchar(200)`);
      await queryRunner.query(
        `ALTER TABLE "posts" ADD COLUMN "creditId" integer CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8" REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
      );
    });
  }

  /**
   * Avatars go with their files; "users" and "posts" are rebuilt without the new columns (SQLite
   * drops no column a foreign key uses). "media" keeps its nullable blogId: nothing else uses it.
   */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      const avatars = `SELECT "id" FROM "media" WHERE "blogId" IS NULL`;
      await queryRunner.query(`DELETE FROM "media_files" WHERE "mediaId" IN (${avatars})`);
      await queryRunner.query(`DELETE FROM "media" WHERE "id" IN (${avatars})`);
      await queryRunner.query(
        `CREATE TABLE "new_users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(10) NOT NULL, "passwordHash" varchar(255) NOT NULL, "createdAt" datetime NOT NULL, "removedAt" datetime, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727" CHECK ("role" IN ('admin', 'editor')))`,
      );
      await queryRunner.query(
        `INSERT INTO "new_users" SELECT "id", "email", "name", "role", "passwordHash", "createdAt", "removedAt" FROM "users"`,
      );
      await keepIdCounter(queryRunner, 'users', 'new_users');
      await queryRunner.query(`DROP TABLE "users"`);
      await queryRunner.query(`ALTER TABLE "new_users" RENAME TO "users"`);
      await queryRunner.query(
        `CREATE TABLE "new_posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "authorId" integer NOT NULL, "body" text NOT NULL, "html" text NOT NULL, "pinned" boolean NOT NULL DEFAULT (0), "keyEvent" boolean NOT NULL DEFAULT (0), "version" integer NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL, "updatedAt" datetime NOT NULL, "views" integer NOT NULL DEFAULT (0), CONSTRAINT "CHK_4278e943858a71684b4a832ddb" CHECK ("version" >= 1), CONSTRAINT "FK_55d9c167993fed3f375391c8e31" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e" FOREIGN KEY ("authorId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_posts" SELECT "id", "blogId", "authorId", "body", "html", "pinned", "keyEvent", "version", "createdAt", "updatedAt", "views" FROM "posts"`,
      );
      await keepIdCounter(queryRunner, 'posts', 'new_posts');
      await queryRunner.query(`DROP TABLE "posts"`);
      await queryRunner.query(`ALTER TABLE "new_posts" RENAME TO "posts"`);
      await queryRunner.query(
        `CREATE INDEX "IDX_c5a322ad12a7bf95460c958e80" ON "posts" ("authorId")`,
      );
      await queryRunner.query(`CREATE INDEX "IDX_posts_blog_newest" ON "posts" ("blogId", "id")`);
    });
  }
}
