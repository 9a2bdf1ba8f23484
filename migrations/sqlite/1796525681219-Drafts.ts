import { MigrationInterface, QueryRunner } from 'typeorm';
import { keepIdCounter, withForeignKeysOff } from '../../src/database/sqlite-table-rebuild';

/**
 * Drafts, scheduled entries and the review queue (posts.status, publishAt, submittedAt,
 * reviewNote) and the contributor role.
 *
 * SQLite changes a CHECK only by rebuilding the table, and dropping "users" or "posts" with
 * foreign keys enforced would cascade to sessions, tokens and entries. TypeORM turns them off
 * for a run but not for a revert, so this migration does it itself, outside the runner's
 * transaction (the pragma does nothing inside one): the rebuilds in a transaction of its own,
 * checked with foreign_key_check before the commit (see sqlite-table-rebuild.ts). A revert
 * deletes drafts and scheduled entries, and is refused while contributors exist: making them
 * editors would give them rights no one gave them.
 */
export class Drafts1796525681219 implements MigrationInterface {
  name = 'Drafts1796525681219';
  transaction = false;

  public async up(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      await queryRunner.query(
        `CREATE TABLE "new_users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(20) NOT NULL, "passwordHash" varchar(255) NOT NULL, "createdAt" datetime NOT NULL, "removedAt" datetime, "avatarId" integer, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "CHK_c169c7f893b4dceb709211a89c" CHECK ("role" IN ('admin', 'editor', 'contributor')), CONSTRAINT "FK_3e1f52ec904aed992472f2be147" FOREIGN KEY ("avatarId") REFERENCES "media" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_users" ("id", "email", "name", "role", "passwordHash", "createdAt", "removedAt", "avatarId") SELECT "id", "email", "name", "role", "passwordHash", "createdAt", "removedAt", "avatarId" FROM "users"`,
      );
      await keepIdCounter(queryRunner, 'users', 'new_users');
      await queryRunner.query(`DROP TABLE "users"`);
      await queryRunner.query(`ALTER TABLE "new_users" RENAME TO "users"`);
      await queryRunner.query(
        `CREATE TABLE "new_posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "authorId" integer NOT NULL, "body" text NOT NULL, "html" text NOT NULL, "pinned" boolean NOT NULL DEFAULT (0), "keyEvent" boolean NOT NULL DEFAULT (0), "version" integer NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL, "updatedAt" datetime NOT NULL, "views" integer NOT NULL DEFAULT (0), "title" varchar(200), "creditId" integer, "status" varchar(10) NOT NULL DEFAULT ('published'), "publishAt" datetime, "submittedAt" datetime, "reviewNote" varchar(1000), CONSTRAINT "CHK_4278e943858a71684b4a832ddb" CHECK (("version" >= 1)), CONSTRAINT "CHK_2f688bf5b564ace026b9b9fc3f" CHECK (("status" = 'scheduled') = ("publishAt" IS NOT NULL)), CONSTRAINT "CHK_f615d291b49eadca719660da6d" CHECK ("status" IN ('published', 'draft', 'scheduled')), CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e" FOREIGN KEY ("authorId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_55d9c167993fed3f375391c8e31" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8" FOREIGN KEY ("creditId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_posts" ("id", "blogId", "authorId", "body", "html", "pinned", "keyEvent", "version", "createdAt", "updatedAt", "views", "title", "creditId") SELECT "id", "blogId", "authorId", "body", "html", "pinned", "keyEvent", "version", "createdAt", "updatedAt", "views", "title", "creditId" FROM "posts"`,
      );
      await keepIdCounter(queryRunner, 'posts', 'new_posts');
      await queryRunner.query(`DROP TABLE "posts"`);
      await queryRunner.query(`ALTER TABLE "new_posts" RENAME TO "posts"`);
      await queryRunner.query(`CREATE INDEX "IDX_posts_blog_newest" ON "posts" ("blogId", "id") `);
      await queryRunner.query(
        `CREATE INDEX "IDX_c5a322ad12a7bf95460c958e80" ON "posts" ("authorId") `,
      );
      await queryRunner.query(
        `CREATE INDEX "IDX_posts_due" ON "posts" ("publishAt") WHERE "status" = 'scheduled'`,
      );
    });
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await withForeignKeysOff(queryRunner, async () => {
      await refuseWithContributors(queryRunner);
      await queryRunner.query(`DELETE FROM "posts" WHERE "status" <> 'published'`);
      await queryRunner.query(
        `CREATE TABLE "new_users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(10) NOT NULL, "passwordHash" varchar(255) NOT NULL, "createdAt" datetime NOT NULL, "removedAt" datetime, "avatarId" integer, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727" CHECK ("role" IN ('admin', 'editor')), CONSTRAINT "FK_3e1f52ec904aed992472f2be147" FOREIGN KEY ("avatarId") REFERENCES "media" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(`INSERT INTO "new_users" SELECT * FROM "users"`);
      await keepIdCounter(queryRunner, 'users', 'new_users');
      await queryRunner.query(`DROP TABLE "users"`);
      await queryRunner.query(`ALTER TABLE "new_users" RENAME TO "users"`);
      await queryRunner.query(
        `CREATE TABLE "new_posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "authorId" integer NOT NULL, "body" text NOT NULL, "html" text NOT NULL, "pinned" boolean NOT NULL DEFAULT (0), "keyEvent" boolean NOT NULL DEFAULT (0), "version" integer NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL, "updatedAt" datetime NOT NULL, "views" integer NOT NULL DEFAULT (0), "title" varchar(200), "creditId" integer, CONSTRAINT "CHK_4278e943858a71684b4a832ddb" CHECK (("version" >= 1)), CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e" FOREIGN KEY ("authorId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION, CONSTRAINT "FK_55d9c167993fed3f375391c8e31" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_3e48abb0813e6f370c771eca3f8" FOREIGN KEY ("creditId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
      );
      await queryRunner.query(
        `INSERT INTO "new_posts" SELECT "id", "blogId", "authorId", "body", "html", "pinned", "keyEvent", "version", "createdAt", "updatedAt", "views", "title", "creditId" FROM "posts"`,
      );
      await keepIdCounter(queryRunner, 'posts', 'new_posts');
      await queryRunner.query(`DROP TABLE "posts"`);
      await queryRunner.query(`ALTER TABLE "new_posts" RENAME TO "posts"`);
      await queryRunner.query(`CREATE INDEX "IDX_posts_blog_newest" ON "posts" ("blogId", "id") `);
      await queryRunner.query(
        `CREATE INDEX "IDX_c5a322ad12a7bf95460c958e80" ON "posts" ("authorId") `,
      );
    });
  }
}

async function refuseWithContributors(queryRunner: QueryRunner): Promise<void> {
  const [{ contributors }] = (await queryRunner.query(
    `SELECT COUNT(*) AS "contributors" FROM "users" WHERE "role" = 'contributor'`,
  )) as Array<{ contributors: number }>;
  if (Number(contributors) > 0) {
    throw new Error(`Change the role of the ${contributors} contributors before reverting`);
  }
}
