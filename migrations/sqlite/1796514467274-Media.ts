import { MigrationInterface, QueryRunner } from 'typeorm';

/** Photos: their description and sizes (media), and their stored files (media_files). */
export class Media1796514467274 implements MigrationInterface {
  name = 'Media1796514467274';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "media" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "blogId" integer NOT NULL, "uploaderId" integer, "alt" varchar(1000) NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "hash" varchar(16) NOT NULL, "widths" varchar(100) NOT NULL, "fallback" varchar(4) NOT NULL, "createdAt" datetime NOT NULL, CONSTRAINT "FK_7e32a6c5077eff9ccb219aa5661" FOREIGN KEY ("blogId") REFERENCES "blogs" ("id") ON DELETE CASCADE ON UPDATE NO ACTION, CONSTRAINT "FK_1f86c243a422b51f191c282acc7" FOREIGN KEY ("uploaderId") REFERENCES "users" ("id") ON DELETE SET NULL ON UPDATE NO ACTION)`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_7e32a6c5077eff9ccb219aa566" ON "media" ("blogId") `);
    await queryRunner.query(
      `CREATE TABLE "media_files" ("mediaId" integer NOT NULL, "width" integer NOT NULL, "format" varchar(4) NOT NULL, "bytes" blob NOT NULL, PRIMARY KEY ("mediaId", "width", "format"), CONSTRAINT "FK_media_files_media" FOREIGN KEY ("mediaId") REFERENCES "media" ("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "media_files"`);
    await queryRunner.query(`DROP INDEX "IDX_7e32a6c5077eff9ccb219aa566"`);
    await queryRunner.query(`DROP TABLE "media"`);
  }
}
