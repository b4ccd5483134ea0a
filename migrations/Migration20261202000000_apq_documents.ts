import { Migration } from '@mikro-orm/migrations';

/**
 * The shared cache of automatic persisted queries (src/server/apq.ts, APQ_STORE=postgres): one row per
 * registered document, named by the SHA-256 of its text; rows unused for APQ_TTL_SECONDS and those beyond
 * APQ_MAX_DOCUMENTS (least recently used first) are deleted. No entity maps this table (mikro-orm.config.ts skips it).
 */
export class Migration20261202000000_apq_documents extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "apq_documents" (
  "hash" char(64) not null,
  "document" text not null,
  "created_at" timestamptz not null default now(),
  "last_used_at" timestamptz not null default now(),
  constraint "apq_documents_pkey" primary key ("hash"));`);
    this.addSql(`create index "apq_documents_last_used_at_index" on "apq_documents" ("last_used_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "apq_documents" cascade;`);
  }
}
