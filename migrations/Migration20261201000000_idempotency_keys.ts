import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency-Key records (src/db/idempotency.ts), shared by every instance: one row per (caller and
 * endpoint, key), kept 24 hours. No entity maps this table (mikro-orm.config.ts skips it).
 */
export class Migration20261201000000_idempotency_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "idempotency_keys" (
  "id" varchar(64) not null,
  "fingerprint" varchar(64) not null,
  "owner" uuid not null,
  "state" varchar(16) not null default 'running',
  "committed" boolean not null default false,
  "status" smallint null,
  "headers" jsonb null,
  "body" bytea null,
  "created_at" timestamptz not null default now(),
  "locked_at" timestamptz not null default now(),
  constraint "idempotency_keys_pkey" primary key ("id"));`);
    this.addSql(`create index "idempotency_keys_created_at_index" on "idempotency_keys" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);
  }
}
