import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhooks: URLs that get the log's events POSTed to them, and their recent deliveries. */
export class Webhooks1796610000000 implements MigrationInterface {
  name = 'Webhooks1796610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhooks" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "url" varchar(2000) NOT NULL, "blogId" integer, "secret" varchar(100) NOT NULL, "active" boolean NOT NULL DEFAULT (1), "lastEventId" integer NOT NULL, "failedAttempts" integer NOT NULL DEFAULT (0), "retryingSince" datetime, "nextAttemptAt" datetime, "leaseOwner" varchar(36), "leaseUntil" datetime, "createdById" integer, "createdAt" datetime NOT NULL, CONSTRAINT "FK_431437912ce78ca3bf5ce8c7726" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_b3876a842d9674208308e6c6078" FOREIGN KEY ("createdById") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_431437912ce78ca3bf5ce8c772" ON "webhooks" ("blogId") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_deliveries" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "webhookId" integer NOT NULL, "eventId" integer NOT NULL, "eventType" varchar(6), "outcome" varchar(10) NOT NULL, "attempt" integer NOT NULL, "statusCode" integer, "error" varchar(300), "durationMs" integer NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "CHK_aade17b4adcc5b0f2fd3afd463" CHECK ("outcome" IN ('delivered', 'failed', 'gave-up', 'skipped')), CONSTRAINT "FK_ab7a4dca7a25e29b745e2e1b601" FOREIGN KEY ("webhookId") REFERENCES "webhooks" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_deliveries_webhook_id" ON "webhook_deliveries" ("webhookId", "id") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "IDX_webhook_deliveries_webhook_id"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "IDX_431437912ce78ca3bf5ce8c772"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
  }
}
