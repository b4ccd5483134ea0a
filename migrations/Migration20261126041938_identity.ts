import { Migration } from '@mikro-orm/migrations';

export class Migration20261126041938_identity extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create type "user_role" as enum ('USER', 'ADMIN');`);
    this.addSql(`create table "mail_messages" ("id" uuid not null, "to_address" varchar(254) not null, "subject" varchar(500) not null, "text" text not null, "html" text null, "created_at" timestamptz not null default now(), constraint "mail_messages_pkey" primary key ("id"));`);
    this.addSql(`create index "mail_messages_to_address_index" on "mail_messages" ("to_address");`);

    this.addSql(`create table "stored_files" ("id" uuid not null, "purpose" varchar(40) not null, "content_type" varchar(100) not null, "size" int not null, "content" bytea not null, "created_at" timestamptz not null default now(), constraint "stored_files_pkey" primary key ("id"));`);

    this.addSql(`create table "users" ("id" uuid not null, "number" serial, "username" varchar(100) null, "email" varchar(254) null, "name" varchar(200) not null default '', "password_hash" varchar(255) null, "temp_password_hash" varchar(255) null, "temp_password_expires_at" timestamptz null, "role" "user_role" not null default 'USER', "is_active" boolean not null default true, "must_change_password" boolean not null default false, "language" varchar(10) not null default 'en', "email_language" varchar(10) not null default 'en', "totp_secret" varchar(64) null, "totp_pending_secret" varchar(64) null, "totp_last_step" bigint null, "two_factor_enabled" boolean not null default false, "avatar_file_id" uuid null, "profile_url" varchar(1000) null, "deleted_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_number_unique" unique ("number");`);
    this.addSql(`create index "users_created_at_index" on "users" ("created_at");`);
    this.addSql(`create unique index "users_email_lower_unique" on "users" (lower("email"));`);
    this.addSql(`create unique index "users_username_lower_unique" on "users" (lower("username"));`);

    this.addSql(`create table "sessions" ("id" uuid not null, "user_id" uuid not null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "revoked_at" timestamptz null, "ip" varchar(64) null, "user_agent" varchar(512) null, constraint "sessions_pkey" primary key ("id"));`);
    this.addSql(`create index "sessions_user_id_index" on "sessions" ("user_id");`);

    this.addSql(`create table "password_resets" ("id" uuid not null, "user_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "created_at" timestamptz not null default now(), constraint "password_resets_pkey" primary key ("id"));`);
    this.addSql(`create index "password_resets_user_id_index" on "password_resets" ("user_id");`);
    this.addSql(`alter table "password_resets" add constraint "password_resets_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "password_resets" add constraint "password_resets_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    // rate-limiter-flexible's PostgreSQL store (login attempts per client IP, shared by every instance)
    this.addSql(`create table "rate_limits" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "sessions" drop constraint "sessions_user_id_foreign";`);

    this.addSql(`alter table "password_resets" drop constraint "password_resets_user_id_foreign";`);

    this.addSql(`drop table if exists "mail_messages" cascade;`);

    this.addSql(`drop table if exists "stored_files" cascade;`);

    this.addSql(`drop table if exists "users" cascade;`);

    this.addSql(`drop table if exists "sessions" cascade;`);

    this.addSql(`drop table if exists "password_resets" cascade;`);

    this.addSql(`drop table if exists "rate_limits" cascade;`);

    this.addSql(`drop type "user_role";`);
  }

}
