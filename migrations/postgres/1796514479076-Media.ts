import { MigrationInterface, QueryRunner } from 'typeorm';

/** Photos: their description and sizes (media), and their stored files (media_files). */
export class Media1796514479076 implements MigrationInterface {
  name = 'Media1796514479076';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "media" ("id" SERIAL NOT NULL, "blogId" integer NOT NULL, "uploaderId" integer, "alt" character varying(1000) NOT NULL, "width" integer NOT NULL, "height" integer NOT NULL, "hash" character varying(16) NOT NULL, "widths" character varying(100) NOT NULL, "fallback" character varying(4) NOT NULL, "createdAt" TIMESTAMP NOT NULL, CONSTRAINT "PK_f4e0fcac36e050de337b670d8bd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_7e32a6c5077eff9ccb219aa566" ON "media" ("blogId") `);
    await queryRunner.query(
      `ALTER TABLE "media" ADD CONSTRAINT "FK_7e32a6c5077eff9ccb219aa5661" FOREIGN KEY ("blogId") REFERENCES "blogs"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "media" ADD CONSTRAINT "FK_1f86c243a422b51f191c282acc7" FOREIGN KEY ("uploaderId") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "media_files" ("mediaId" integer NOT NULL, "width" integer NOT NULL, "format" character varying(4) NOT NULL, "bytes" bytea NOT NULL, CONSTRAINT "PK_media_files" PRIMARY KEY ("mediaId", "width", "format"), CONSTRAINT "FK_media_files_media" FOREIGN KEY ("mediaId") REFERENCES "media"("id") ON DELETE CASCADE ON UPDATE NO ACTION)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "media_files"`);
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "FK_1f86c243a422b51f191c282acc7"`);
    await queryRunner.query(`ALTER TABLE "media" DROP CONSTRAINT "FK_7e32a6c5077eff9ccb219aa5661"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_7e32a6c5077eff9ccb219aa566"`);
    await queryRunner.query(`DROP TABLE "media"`);
  }
}
