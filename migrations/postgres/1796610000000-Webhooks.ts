import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhooks: URLs that get the log's events POSTed to them, and their recent deliveries. */
export class Webhooks1796610000000 implements MigrationInterface {
  name = 'Webhooks1796610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhooks" ("id" SERIAL NOT NULL, "url" character varying(2000) NOT NULL, "blogId" integer, "secret" character varying(100) NOT NULL, "active" boolean NOT NULL DEFAULT true, "lastEventId" integer NOT NULL, "failedAttempts" integer NOT NULL DEFAULT '0', "retryingSince" TIMESTAMP, "nextAttemptAt" TIMESTAMP, "leaseOwner" character varying(36), "leaseUntil" TIMESTAMP, "createdById" integer, "createdAt" TIMESTAMP NOT NULL, CONSTRAINT "PK_9e8795cfc899ab7bdaa831e8527" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_431437912ce78ca3bf5ce8c772" ON "webhooks" ("blogId") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" SERIAL NOT NULL, "webhookId" integer NOT NULL, "eventId" integer NOT NULL, "eventType" character varying(6), "outcome" character varying(10) NOT NULL, "attempt" integer NOT NULL, "statusCode" integer, "error" character varying(300), "durationMs" integer NOT NULL, "createdAt" TIMESTAMP NOT NULL, CONSTRAINT "CHK_aade17b4adcc5b0f2fd3afd463" CHECK ("outcome" IN ('delivered', 'failed', 'gave-up', 'skipped')), CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_webhook_id" ON "webhook_deliveries" ("webhookId", "id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "webhooks" ADD CONSTRAINT "FK_431437912ce78ca3bf5ce8c7726" FOREIGN KEY ("blogId") REFERENCES "blogs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhooks" ADD CONSTRAINT "FK_b3876a842d9674208308e6c6078" FOREIGN KEY ("createdById") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_ab7a4dca7a25e29b745e2e1b601" FOREIGN KEY ("webhookId") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_ab7a4dca7a25e29b745e2e1b601"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhooks" DROP CONSTRAINT "FK_b3876a842d9674208308e6c6078"`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhooks" DROP CONSTRAINT "FK_431437912ce78ca3bf5ce8c7726"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_deliveries_webhook_id"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_431437912ce78ca3bf5ce8c772"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
  }
}
