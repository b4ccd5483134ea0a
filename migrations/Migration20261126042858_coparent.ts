import { Migration } from '@mikro-orm/migrations';

/** coparent: calendar items (cascading with their owner), custody schedule blocks, the cycle template. */
export class Migration20261126042858_coparent extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "coparent_cycle_templates" ("id" uuid not null, "name" varchar(200) not null, "days" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "coparent_cycle_templates_pkey" primary key ("id"));`);

    this.addSql(`create table "coparent_schedule_blocks" ("id" uuid not null, "start_date" date not null, "end_date" date not null, "owner" varchar(100) not null, "label" varchar(100) null, "color" varchar(50) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "coparent_schedule_blocks_pkey" primary key ("id"));`);
    this.addSql(`create index "coparent_schedule_blocks_range_index" on "coparent_schedule_blocks" ("start_date", "end_date");`);

    this.addSql(`create table "coparent_items" ("id" uuid not null, "date" date not null, "type" varchar(50) not null, "title" varchar(200) not null, "body" text not null default '', "owner_id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "coparent_items_pkey" primary key ("id"));`);
    this.addSql(`create index "coparent_items_owner_id_index" on "coparent_items" ("owner_id");`);
    this.addSql(`create index "coparent_items_date_created_at_index" on "coparent_items" ("date", "created_at");`);

    this.addSql(`alter table "coparent_items" add constraint "coparent_items_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "coparent_cycle_templates" cascade;`);

    this.addSql(`drop table if exists "coparent_schedule_blocks" cascade;`);

    this.addSql(`drop table if exists "coparent_items" cascade;`);
  }

}
