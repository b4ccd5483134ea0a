import { Migration } from '@mikro-orm/migrations';

/**
 * conduct, part 2 (shared/contracts/conduct-reports.md): comments (public or internal), the state
 * history of reports, evidence metadata (bytes in `stored_files`) and notifications. Deleting a report
 * deletes its comments, history, evidence and notifications; deleting a user deletes their
 * notifications and unsets them as author, actor or uploader. Generated from the entities
 * (`getUpdateSchemaSQL`).
 */
export class Migration20261201300000_conduct_reports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "conduct_report_state_changes" ("id" uuid not null, "report_id" uuid not null, "from_state" text check ("from_state" in ('submitted', 'acknowledged', 'investigating', 'resolved', 'closed')) not null, "to_state" text check ("to_state" in ('submitted', 'acknowledged', 'investigating', 'resolved', 'closed')) not null, "changed_by_id" uuid null, "notes" text null, "created_at" timestamptz not null default now(), constraint "conduct_report_state_changes_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_report_state_changes_changed_by_id_index" on "conduct_report_state_changes" ("changed_by_id");`);
    this.addSql(`create index "conduct_report_state_changes_report_created_index" on "conduct_report_state_changes" ("report_id", "created_at");`);
    this.addSql(`create table "conduct_notifications" ("id" uuid not null, "user_id" uuid not null, "type" varchar(50) not null, "priority" text check ("priority" in ('low', 'normal', 'high', 'urgent')) not null default 'normal', "title" varchar(200) not null, "message" text not null, "is_read" boolean not null default false, "read_at" timestamptz null, "event_id" uuid null, "report_id" uuid null, "action_url" varchar(300) null, "created_at" timestamptz not null default now(), constraint "conduct_notifications_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_notifications_event_id_index" on "conduct_notifications" ("event_id");`);
    this.addSql(`create index "conduct_notifications_report_id_index" on "conduct_notifications" ("report_id");`);
    this.addSql(`create index "conduct_notifications_user_read_index" on "conduct_notifications" ("user_id", "is_read");`);
    this.addSql(`create index "conduct_notifications_user_created_index" on "conduct_notifications" ("user_id", "created_at");`);
    this.addSql(`create table "conduct_evidence" ("id" uuid not null, "report_id" uuid not null, "uploader_id" uuid null, "filename" varchar(255) not null, "mimetype" varchar(100) not null, "size" int not null, "file_id" uuid not null, "created_at" timestamptz not null default now(), constraint "conduct_evidence_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_evidence_uploader_id_index" on "conduct_evidence" ("uploader_id");`);
    this.addSql(`create index "conduct_evidence_report_created_index" on "conduct_evidence" ("report_id", "created_at");`);
    this.addSql(`create table "conduct_comments" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "report_id" uuid not null, "author_id" uuid null, "body" text not null, "visibility" text check ("visibility" in ('public', 'internal')) not null default 'public', "is_markdown" boolean not null default false, constraint "conduct_comments_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_comments_author_id_index" on "conduct_comments" ("author_id");`);
    this.addSql(`create index "conduct_comments_report_created_index" on "conduct_comments" ("report_id", "created_at");`);
    this.addSql(`alter table "conduct_report_state_changes" add constraint "conduct_report_state_changes_report_id_foreign" foreign key ("report_id") references "conduct_reports" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_report_state_changes" add constraint "conduct_report_state_changes_changed_by_id_foreign" foreign key ("changed_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conduct_notifications" add constraint "conduct_notifications_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_notifications" add constraint "conduct_notifications_event_id_foreign" foreign key ("event_id") references "conduct_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_notifications" add constraint "conduct_notifications_report_id_foreign" foreign key ("report_id") references "conduct_reports" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_evidence" add constraint "conduct_evidence_report_id_foreign" foreign key ("report_id") references "conduct_reports" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_evidence" add constraint "conduct_evidence_uploader_id_foreign" foreign key ("uploader_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conduct_evidence" add constraint "conduct_evidence_file_id_foreign" foreign key ("file_id") references "stored_files" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_comments" add constraint "conduct_comments_report_id_foreign" foreign key ("report_id") references "conduct_reports" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_comments" add constraint "conduct_comments_author_id_foreign" foreign key ("author_id") references "users" ("id") on update cascade on delete set null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conduct_notifications" cascade;`);
    this.addSql(`drop table if exists "conduct_evidence" cascade;`);
    this.addSql(`drop table if exists "conduct_report_state_changes" cascade;`);
    this.addSql(`drop table if exists "conduct_comments" cascade;`);
  }
}
