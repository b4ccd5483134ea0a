import { Migration } from '@mikro-orm/migrations';

/** The cakeplanner surface: groups, memberships, events, ratings, photos and the durable change feed. */
export class Migration20261126042910_cake extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "cake_group_role" as enum ('member', 'admin');`);
    this.addSql(`create table "cake_groups" ("id" uuid not null, "name" varchar(100) not null, "description" varchar(1000) null, "created_at" timestamptz not null default now(), constraint "cake_groups_pkey" primary key ("id"));`);
    this.addSql(`create unique index "cake_groups_name_lower_unique" on "cake_groups" (lower("name"));`);

    this.addSql(`create table "cake_event_log" ("id" bigserial primary key, "group_id" uuid not null, "event_id" uuid not null, "kind" varchar(16) not null, "payload" jsonb not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "cake_event_log_group_id_id_index" on "cake_event_log" ("group_id", "id");`);

    this.addSql(`create table "cake_memberships" ("id" uuid not null, "group_id" uuid not null, "user_id" uuid not null, "role" "cake_group_role" not null default 'member', "created_at" timestamptz not null default now(), constraint "cake_memberships_pkey" primary key ("id"));`);
    this.addSql(`create index "cake_memberships_user_id_index" on "cake_memberships" ("user_id");`);
    this.addSql(`alter table "cake_memberships" add constraint "cake_memberships_group_id_user_id_unique" unique ("group_id", "user_id");`);

    this.addSql(`create table "cake_events" ("id" uuid not null, "group_id" uuid not null, "baker_id" uuid not null, "date" date not null, "description" varchar(1000) not null default '', "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "cake_events_pkey" primary key ("id"));`);
    this.addSql(`create index "cake_events_baker_id_index" on "cake_events" ("baker_id");`);
    this.addSql(`create index "cake_events_group_date_index" on "cake_events" ("group_id", "date");`);
    this.addSql(`alter table "cake_events" add constraint "cake_events_group_baker_date_unique" unique ("group_id", "baker_id", "date");`);

    this.addSql(`create table "cake_ratings" ("id" uuid not null, "event_id" uuid not null, "user_id" uuid not null, "stars" smallint not null, "comment" varchar(1000) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "cake_ratings_pkey" primary key ("id"), constraint cake_ratings_stars_check check (stars >= 1 and stars <= 5));`);
    this.addSql(`create index "cake_ratings_user_id_index" on "cake_ratings" ("user_id");`);
    this.addSql(`alter table "cake_ratings" add constraint "cake_ratings_event_user_unique" unique ("event_id", "user_id");`);

    this.addSql(`create table "cake_photos" ("id" uuid not null, "event_id" uuid not null, "user_id" uuid not null, "file_id" uuid not null, "content_type" varchar(100) not null, "created_at" timestamptz not null default now(), constraint "cake_photos_pkey" primary key ("id"));`);
    this.addSql(`create index "cake_photos_user_id_index" on "cake_photos" ("user_id");`);
    this.addSql(`alter table "cake_photos" add constraint "cake_photos_file_id_unique" unique ("file_id");`);
    this.addSql(`alter table "cake_photos" add constraint "cake_photos_event_user_unique" unique ("event_id", "user_id");`);

    this.addSql(`alter table "cake_event_log" add constraint "cake_event_log_group_id_foreign" foreign key ("group_id") references "cake_groups" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cake_memberships" add constraint "cake_memberships_group_id_foreign" foreign key ("group_id") references "cake_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cake_memberships" add constraint "cake_memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cake_events" add constraint "cake_events_group_id_foreign" foreign key ("group_id") references "cake_groups" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cake_events" add constraint "cake_events_baker_id_foreign" foreign key ("baker_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cake_ratings" add constraint "cake_ratings_event_id_foreign" foreign key ("event_id") references "cake_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cake_ratings" add constraint "cake_ratings_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "cake_photos" add constraint "cake_photos_event_id_foreign" foreign key ("event_id") references "cake_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "cake_photos" add constraint "cake_photos_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    // A photo's bytes go with its row, however the row goes (replaced, or cascaded from an event, group
    // or user): stored_files is shared storage without a foreign key back to its owners.
    this.addSql(`create function "cake_photos_delete_file"() returns trigger language plpgsql as $$ begin delete from "stored_files" where "id" = old."file_id"; return old; end $$;`);
    this.addSql(`create trigger "cake_photos_delete_file" after delete on "cake_photos" for each row execute function "cake_photos_delete_file"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "cake_photos_delete_file" on "cake_photos";`);
    this.addSql(`drop function if exists "cake_photos_delete_file"();`);
    this.addSql(`delete from "stored_files" where "id" in (select "file_id" from "cake_photos");`);

    this.addSql(`drop table if exists "cake_photos" cascade;`);
    this.addSql(`drop table if exists "cake_ratings" cascade;`);
    this.addSql(`drop table if exists "cake_events" cascade;`);
    this.addSql(`drop table if exists "cake_memberships" cascade;`);
    this.addSql(`drop table if exists "cake_event_log" cascade;`);
    this.addSql(`drop table if exists "cake_groups" cascade;`);

    this.addSql(`drop type "cake_group_role";`);
  }

}
