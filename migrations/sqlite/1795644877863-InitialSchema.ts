import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, sessions, API tokens, blogs, entries and the event log. */
export class InitialSchema1795644877863 implements MigrationInterface {
  name = 'InitialSchema1795644877863';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar(254) NOT NULL, "name" varchar(100) NOT NULL, "role" varchar(10) NOT NULL, "passwordHash" varchar(255) NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727" CHECK ("role" IN ('admin', 'editor')))`,
    );
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "userId" integer NOT NULL, "name" varchar(100) NOT NULL, "secretHash" varchar(64) NOT NULL, "createdAt" datetime NOT NULL, "lastUsedAt" datetime, CONSTRAINT "UQ_03b99893d4e65696c202f4c7c48" UNIQUE ("secretHash"), CONSTRAINT "FK_2a2ce819bd75cc0193bfb2692bd" FOREIGN KEY ("userId") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_2a2ce819bd75cc0193bfb2692b" ON "api_tokens" ("userId")`,
    );
    await queryRunner.query(
      `CREATE TABLE "sessions" ("idHash" varchar(64) PRIMARY KEY NOT NULL, "userId" integer NOT NULL, "csrfToken" varchar(64) NOT NULL, "createdAt" datetime NOT NULL, "lastSeenAt" datetime NOT NULL, "expiresAt" datetime NOT NULL, CONSTRAINT "FK_57de40bc620f456c7311aa3a1e6" FOREIGN KEY ("userId") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_57de40bc620f456c7311aa3a1e" ON "sessions" ("userId")`,
    );
    await queryRunner.query(
      `CREATE TABLE "blogs" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "slug" varchar(80) NOT NULL, "title" varchar(200) NOT NULL, "description" text NOT NULL DEFAULT (''), "status" varchar(5) NOT NULL DEFAULT ('live'), "createdAt" datetime NOT NULL, "updatedAt" datetime NOT NULL, CONSTRAINT "UQ_7b18faaddd461656ff66f32e2d7" UNIQUE ("slug"), CONSTRAINT "CHK_078c1d832231cfab32396b0fb9" CHECK ("status" IN ('live', 'ended')))`,
    );
    // The event log: AUTOINCREMENT so an id is never reused, even after the newest row is gone.
    await queryRunner.query(
      `CREATE TABLE "events" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "type" varchar(6) NOT NULL, "postId" integer NOT NULL, "payload" text NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "CHK_a93356093d9774d9b29692dd9e" CHECK ("type" IN ('post', 'update', 'delete')), CONSTRAINT "FK_42f69dad86642aa07e7136eb870" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_blog_id" ON "events" ("blogId", "id")`);
    await queryRunner.query(
      `CREATE TABLE "posts" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "authorId" integer NOT NULL, "body" text NOT NULL, "html" text NOT NULL, "pinned" boolean NOT NULL DEFAULT (0), "keyEvent" boolean NOT NULL DEFAULT (0), "version" integer NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL, "updatedAt" datetime NOT NULL, CONSTRAINT "CHK_4278e943858a71684b4a832ddb" CHECK ("version" >= 1), CONSTRAINT "FK_55d9c167993fed3f375391c8e31" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e" FOREIGN KEY ("authorId") REFERENCES "users" ("id") ON DELETE RESTRICT ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_c5a322ad12a7bf95460c958e80" ON "posts" ("authorId")`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_posts_blog_newest" ON "posts" ("blogId", "id")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "posts"`);
    await queryRunner.query(`DROP TABLE "events"`);
    await queryRunner.query(`DROP TABLE "blogs"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
