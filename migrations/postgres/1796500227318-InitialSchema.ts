import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole schema on PostgreSQL, as the SQLite migrations left it. Event ids come from a
 * sequence, which hands them out at insert, not at commit: EventLog orders appends itself.
 */
export class InitialSchema1796500227318 implements MigrationInterface {
  name = 'InitialSchema1796500227318';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "blogs" ("id" SERIAL NOT NULL, "slug" character varying(80) NOT NULL, "title" character varying(200) NOT NULL, "description" text NOT NULL DEFAULT '', "status" character varying(5) NOT NULL DEFAULT 'live', "createdAt" TIMESTAMP NOT NULL, "updatedAt" TIMESTAMP NOT NULL, CONSTRAINT "UQ_7b18faaddd461656ff66f32e2d7" UNIQUE ("slug"), CONSTRAINT "CHK_078c1d832231cfab32396b0fb9" CHECK ("status" IN ('live', 'ended')), CONSTRAINT "PK_e113335f11c926da929a625f118" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "events" ("id" SERIAL NOT NULL, "blogId" integer NOT NULL, "type" character varying(6) NOT NULL, "postId" integer NOT NULL, "payload" text NOT NULL, "createdAt" TIMESTAMP NOT NULL, CONSTRAINT "CHK_a93356093d9774d9b29692dd9e" CHECK ("type" IN ('post', 'update', 'delete')), CONSTRAINT "PK_40731c7151fe4be3116e45ddf73" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_events_blog_id" ON "events" ("blogId", "id") `);
    await queryRunner.query(
      `CREATE TABLE "users" ("id" SERIAL NOT NULL, "email" character varying(254) NOT NULL, "name" character varying(100) NOT NULL, "role" character varying(10) NOT NULL, "passwordHash" character varying(255) NOT NULL, "createdAt" TIMESTAMP NOT NULL, "removedAt" TIMESTAMP, CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "CHK_c4d7211236e6c650ac14f4c727" CHECK ("role" IN ('admin', 'editor')), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "posts" ("id" SERIAL NOT NULL, "blogId" integer NOT NULL, "authorId" integer NOT NULL, "body" text NOT NULL, "html" text NOT NULL, "pinned" boolean NOT NULL DEFAULT false, "keyEvent" boolean NOT NULL DEFAULT false, "version" integer NOT NULL DEFAULT '1', "views" integer NOT NULL DEFAULT '0', "createdAt" TIMESTAMP NOT NULL, "updatedAt" TIMESTAMP NOT NULL, CONSTRAINT "CHK_4278e943858a71684b4a832ddb" CHECK ("version" >= 1), CONSTRAINT "PK_2829ac61eff60fcec60d7274b9e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_c5a322ad12a7bf95460c958e80" ON "posts" ("authorId") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_posts_blog_newest" ON "posts" ("blogId", "id") `);
    await queryRunner.query(
      `CREATE TABLE "api_tokens" ("id" SERIAL NOT NULL, "userId" integer NOT NULL, "name" character varying(100) NOT NULL, "secretHash" character varying(64) NOT NULL, "createdAt" TIMESTAMP NOT NULL, "lastUsedAt" TIMESTAMP, CONSTRAINT "UQ_03b99893d4e65696c202f4c7c48" UNIQUE ("secretHash"), CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_2a2ce819bd75cc0193bfb2692b" ON "api_tokens" ("userId") `,
    );
    await queryRunner.query(
      `CREATE TABLE "sessions" ("idHash" character varying(64) NOT NULL, "userId" integer NOT NULL, "csrfToken" character varying(64) NOT NULL, "createdAt" TIMESTAMP NOT NULL, "lastSeenAt" TIMESTAMP NOT NULL, "expiresAt" TIMESTAMP NOT NULL, CONSTRAINT "PK_be5683b29057c1a5a1947a3349c" PRIMARY KEY ("idHash"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_57de40bc620f456c7311aa3a1e" ON "sessions" ("userId") `,
    );
    await queryRunner.query(
      `ALTER TABLE "events" ADD CONSTRAINT "FK_42f69dad86642aa07e7136eb870" FOREIGN KEY ("blogId") REFERENCES "blogs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_55d9c167993fed3f375391c8e31" FOREIGN KEY ("blogId") REFERENCES "blogs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e" FOREIGN KEY ("authorId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_2a2ce819bd75cc0193bfb2692bd" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_57de40bc620f456c7311aa3a1e6" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "sessions" DROP CONSTRAINT "FK_57de40bc620f456c7311aa3a1e6"`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_tokens" DROP CONSTRAINT "FK_2a2ce819bd75cc0193bfb2692bd"`,
    );
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_c5a322ad12a7bf95460c958e80e"`);
    await queryRunner.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_55d9c167993fed3f375391c8e31"`);
    await queryRunner.query(
      `ALTER TABLE "events" DROP CONSTRAINT "FK_42f69dad86642aa07e7136eb870"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_57de40bc620f456c7311aa3a1e"`);
    await queryRunner.query(`DROP TABLE "sessions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2a2ce819bd75cc0193bfb2692b"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_posts_blog_newest"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c5a322ad12a7bf95460c958e80"`);
    await queryRunner.query(`DROP TABLE "posts"`);
    await queryRunner.query(`DROP TABLE "users"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_events_blog_id"`);
    await queryRunner.query(`DROP TABLE "events"`);
    await queryRunner.query(`DROP TABLE "blogs"`);
  }
}
