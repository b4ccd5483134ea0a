import { Migration } from '@mikro-orm/migrations';

/**
 * conduct, part 1 (shared/contracts/conduct-core.md): organizations and their memberships, events and
 * event roles, invite links (event or organization scope), system settings, notification preferences,
 * the audit log, and the report table the part-1 counts read (part 2 builds the report operations on
 * it). Deleting an organization deletes its memberships, invites and events, and with the events their
 * roles, invites and reports (`on delete cascade`); deleting a user deletes their roles, memberships and
 * preferences and unsets them on reports and invites. Audit entries hold plain ids (no foreign keys):
 * they outlive what they name. Generated from the entities (`getUpdateSchemaSQL`).
 */
export class Migration20261201200000_conduct extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "conduct_audit_logs" ("id" uuid not null, "actor_id" uuid null, "action" varchar(100) not null, "target_type" varchar(50) not null, "target_id" varchar(100) not null, "event_id" uuid null, "organization_id" uuid null, "details" jsonb null, "created_at" timestamptz not null default now(), constraint "conduct_audit_logs_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_audit_logs_actor_id_index" on "conduct_audit_logs" ("actor_id");`);
    this.addSql(`create index "conduct_audit_logs_target_index" on "conduct_audit_logs" ("target_type", "target_id");`);
    this.addSql(`create index "conduct_audit_logs_organization_created_index" on "conduct_audit_logs" ("organization_id", "created_at");`);
    this.addSql(`create index "conduct_audit_logs_event_created_index" on "conduct_audit_logs" ("event_id", "created_at");`);
    this.addSql(`create table "conduct_organizations" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(200) not null, "slug" varchar(100) not null, "description" text null, "website" varchar(500) null, "logo_file_id" uuid null, constraint "conduct_organizations_pkey" primary key ("id"));`);
    this.addSql(`alter table "conduct_organizations" add constraint "conduct_organizations_slug_unique" unique ("slug");`);
    this.addSql(`create table "conduct_events" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "name" varchar(200) not null, "slug" varchar(100) not null, "description" text null, "start_date" timestamptz null, "end_date" timestamptz null, "website" varchar(500) null, "contact_email" varchar(254) null, "code_of_conduct" text null, "is_active" boolean not null default false, "setup_required" boolean not null default false, "organization_id" uuid null, "logo_file_id" uuid null, constraint "conduct_events_pkey" primary key ("id"));`);
    this.addSql(`alter table "conduct_events" add constraint "conduct_events_slug_unique" unique ("slug");`);
    this.addSql(`create index "conduct_events_organization_id_index" on "conduct_events" ("organization_id");`);
    this.addSql(`create table "conduct_settings" ("key" varchar(100) not null, "value" text not null, "updated_at" timestamptz not null default now(), constraint "conduct_settings_pkey" primary key ("key"));`);
    this.addSql(`create table "conduct_reports" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "event_id" uuid not null, "reporter_id" uuid null, "title" varchar(200) not null, "description" text not null, "type" text check ("type" in ('harassment', 'safety', 'other')) not null, "state" text check ("state" in ('submitted', 'acknowledged', 'investigating', 'resolved', 'closed')) not null default 'submitted', "severity" text check ("severity" in ('low', 'medium', 'high', 'critical')) null, "resolution" text null, "location" text null, "contact_preference" text check ("contact_preference" in ('email', 'phone', 'in_person', 'no_contact')) not null default 'email', "incident_at" timestamptz null, "parties" text null, "assigned_responder_id" uuid null, constraint "conduct_reports_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_reports_reporter_id_index" on "conduct_reports" ("reporter_id");`);
    this.addSql(`create index "conduct_reports_assigned_responder_id_index" on "conduct_reports" ("assigned_responder_id");`);
    this.addSql(`create index "conduct_reports_event_state_index" on "conduct_reports" ("event_id", "state");`);
    this.addSql(`create index "conduct_reports_event_created_index" on "conduct_reports" ("event_id", "created_at");`);
    this.addSql(`create table "conduct_org_memberships" ("id" uuid not null, "organization_id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('org_admin', 'org_viewer')) not null, "created_at" timestamptz not null default now(), constraint "conduct_org_memberships_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_org_memberships_user_id_index" on "conduct_org_memberships" ("user_id");`);
    this.addSql(`alter table "conduct_org_memberships" add constraint "conduct_org_memberships_org_user_unique" unique ("organization_id", "user_id");`);
    this.addSql(`create table "conduct_notification_settings" ("user_id" uuid not null, "report_submitted_in_app" boolean not null default true, "report_submitted_email" boolean not null default false, "report_assigned_in_app" boolean not null default true, "report_assigned_email" boolean not null default false, "report_status_changed_in_app" boolean not null default true, "report_status_changed_email" boolean not null default false, "report_comment_added_in_app" boolean not null default true, "report_comment_added_email" boolean not null default false, "event_invitation_in_app" boolean not null default true, "event_invitation_email" boolean not null default false, "event_role_changed_in_app" boolean not null default true, "event_role_changed_email" boolean not null default false, "system_announcement_in_app" boolean not null default true, "system_announcement_email" boolean not null default false, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "conduct_notification_settings_pkey" primary key ("user_id"));`);
    this.addSql(`create table "conduct_invites" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "code" varchar(64) not null, "event_id" uuid null, "organization_id" uuid null, "role" varchar(20) not null, "max_uses" int null, "use_count" int not null default 0, "expires_at" timestamptz null, "disabled" boolean not null default false, "note" text null, "created_by_id" uuid null, constraint "conduct_invites_pkey" primary key ("id"));`);
    this.addSql(`alter table "conduct_invites" add constraint "conduct_invites_code_unique" unique ("code");`);
    this.addSql(`create index "conduct_invites_event_id_index" on "conduct_invites" ("event_id");`);
    this.addSql(`create index "conduct_invites_organization_id_index" on "conduct_invites" ("organization_id");`);
    this.addSql(`alter table "conduct_invites" add constraint conduct_invites_one_scope check((event_id is null) <> (organization_id is null));`);
    this.addSql(`create table "conduct_event_roles" ("id" uuid not null, "event_id" uuid not null, "user_id" uuid not null, "role" text check ("role" in ('Reporter', 'Responder', 'Admin')) not null, "created_at" timestamptz not null default now(), constraint "conduct_event_roles_pkey" primary key ("id"));`);
    this.addSql(`create index "conduct_event_roles_user_id_index" on "conduct_event_roles" ("user_id");`);
    this.addSql(`alter table "conduct_event_roles" add constraint "conduct_event_roles_event_user_role_unique" unique ("event_id", "user_id", "role");`);
    this.addSql(`alter table "conduct_events" add constraint "conduct_events_organization_id_foreign" foreign key ("organization_id") references "conduct_organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_reports" add constraint "conduct_reports_event_id_foreign" foreign key ("event_id") references "conduct_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_reports" add constraint "conduct_reports_reporter_id_foreign" foreign key ("reporter_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conduct_reports" add constraint "conduct_reports_assigned_responder_id_foreign" foreign key ("assigned_responder_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conduct_org_memberships" add constraint "conduct_org_memberships_organization_id_foreign" foreign key ("organization_id") references "conduct_organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_org_memberships" add constraint "conduct_org_memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_notification_settings" add constraint "conduct_notification_settings_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_invites" add constraint "conduct_invites_event_id_foreign" foreign key ("event_id") references "conduct_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_invites" add constraint "conduct_invites_organization_id_foreign" foreign key ("organization_id") references "conduct_organizations" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_invites" add constraint "conduct_invites_created_by_id_foreign" foreign key ("created_by_id") references "users" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "conduct_event_roles" add constraint "conduct_event_roles_event_id_foreign" foreign key ("event_id") references "conduct_events" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "conduct_event_roles" add constraint "conduct_event_roles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "conduct_event_roles" cascade;`);
    this.addSql(`drop table if exists "conduct_invites" cascade;`);
    this.addSql(`drop table if exists "conduct_notification_settings" cascade;`);
    this.addSql(`drop table if exists "conduct_org_memberships" cascade;`);
    this.addSql(`drop table if exists "conduct_reports" cascade;`);
    this.addSql(`drop table if exists "conduct_settings" cascade;`);
    this.addSql(`drop table if exists "conduct_events" cascade;`);
    this.addSql(`drop table if exists "conduct_organizations" cascade;`);
    this.addSql(`drop table if exists "conduct_audit_logs" cascade;`);
  }
}
