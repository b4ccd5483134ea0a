import { Migration } from '@mikro-orm/migrations';

/**
 * Enrollment (ARCHITECTURE.md "One identity, separate applications"): memberships per application, and
 * coparent households owning the calendar. Existing data moves into one default household:
 * - the default household gets every coparent item, schedule block and the cycle template (the newest,
 *   when an older deployment left several);
 * - every account that exists now joins it (role ADMIN for global admins): until now every account
 *   could read and write the one family's calendar, so a legacy client of that family sees no
 *   difference. Accounts that came in through another application's open registration can be taken
 *   out by an admin (removeHouseholdMember, docs/compat/coparent.md);
 * - every account is enrolled in cakeplanner as it could use it until now: ACTIVE when the account is
 *   active, PENDING when it waits (cakeplanner's registration made inactive accounts).
 * A fresh database gets the default household too; the bootstrap or first admin becomes its admin.
 * Membership changes notify the session caches like user changes (`ix_auth`, see …_auth_notify): the
 * viewer's memberships are read with the session check.
 */
export class Migration20261201100000_enrollment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "coparent_households" ("id" uuid not null, "name" varchar(200) not null, "is_default" boolean not null default false, "created_at" timestamptz not null default now(), constraint "coparent_households_pkey" primary key ("id"));`);
    this.addSql(`create unique index "coparent_households_one_default" on "coparent_households" ("is_default") where "is_default";`);
    this.addSql(`insert into "coparent_households" ("id", "name", "is_default") values (gen_random_uuid(), 'Family', true);`);

    this.addSql(`create table "app_memberships" ("id" uuid not null, "user_id" uuid not null, "application" text check ("application" in ('CAKEPLANNER', 'COMPASS', 'CONDUCT', 'COPARENT')) not null, "status" text check ("status" in ('ACTIVE', 'PENDING', 'DISABLED')) not null default 'ACTIVE', "role" text check ("role" in ('USER', 'ADMIN')) not null default 'USER', "household_id" uuid null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), constraint "app_memberships_pkey" primary key ("id"));`);
    this.addSql(`create index "app_memberships_household_id_index" on "app_memberships" ("household_id");`);
    this.addSql(`alter table "app_memberships" add constraint "app_memberships_user_application_unique" unique ("user_id", "application");`);
    this.addSql(`alter table "app_memberships" add constraint "app_memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "app_memberships" add constraint "app_memberships_household_id_foreign" foreign key ("household_id") references "coparent_households" ("id") on update cascade on delete cascade;`);

    this.addSql(`insert into "app_memberships" ("id", "user_id", "application", "status", "role", "household_id")
  select gen_random_uuid(), u.id, 'COPARENT', 'ACTIVE', case when u.role = 'ADMIN' then 'ADMIN' else 'USER' end, h.id
    from "users" u cross join "coparent_households" h where h.is_default and u.deleted_at is null;`);
    this.addSql(`insert into "app_memberships" ("id", "user_id", "application", "status")
  select gen_random_uuid(), u.id, 'CAKEPLANNER', case when u.is_active then 'ACTIVE' else 'PENDING' end
    from "users" u where u.deleted_at is null;`);

    for (const table of ['coparent_items', 'coparent_schedule_blocks', 'coparent_cycle_templates']) {
      this.addSql(`alter table "${table}" add column "household_id" uuid null;`);
      this.addSql(`update "${table}" set "household_id" = (select id from "coparent_households" where is_default);`);
      this.addSql(`alter table "${table}" alter column "household_id" set not null;`);
      this.addSql(`alter table "${table}" add constraint "${table}_household_id_foreign" foreign key ("household_id") references "coparent_households" ("id") on update cascade on delete cascade;`);
    }
    this.addSql(`delete from "coparent_cycle_templates" t where exists (select 1 from "coparent_cycle_templates" n where n.updated_at > t.updated_at or (n.updated_at = t.updated_at and n.id > t.id));`);
    this.addSql(`alter table "coparent_cycle_templates" add constraint "coparent_cycle_templates_household_unique" unique ("household_id");`);
    this.addSql(`drop index "coparent_items_date_created_at_index";`);
    this.addSql(`create index "coparent_items_household_date_index" on "coparent_items" ("household_id", "date", "created_at");`);
    this.addSql(`drop index "coparent_schedule_blocks_range_index";`);
    this.addSql(`create index "coparent_schedule_blocks_range_index" on "coparent_schedule_blocks" ("household_id", "start_date", "end_date");`);

    this.addSql(`create or replace function ix_membership_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('ix_auth', 'u:' || (case when tg_op = 'DELETE' then old.user_id else new.user_id end)::text);
  if tg_op = 'UPDATE' and old.user_id <> new.user_id then perform pg_notify('ix_auth', 'u:' || old.user_id::text); end if;
  return null;
end $$;`);
    this.addSql(`create trigger app_memberships_auth_changed after insert or update or delete on "app_memberships" for each row execute function ix_membership_changed();`);
    this.addSql(`create trigger app_memberships_auth_truncated after truncate on "app_memberships" for each statement execute function ix_auth_truncated();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists app_memberships_auth_truncated on "app_memberships";`);
    this.addSql(`drop trigger if exists app_memberships_auth_changed on "app_memberships";`);
    this.addSql(`drop function if exists ix_membership_changed();`);
    this.addSql(`drop index "coparent_schedule_blocks_range_index";`);
    this.addSql(`create index "coparent_schedule_blocks_range_index" on "coparent_schedule_blocks" ("start_date", "end_date");`);
    this.addSql(`drop index "coparent_items_household_date_index";`);
    this.addSql(`create index "coparent_items_date_created_at_index" on "coparent_items" ("date", "created_at");`);
    for (const table of ['coparent_items', 'coparent_schedule_blocks', 'coparent_cycle_templates']) {
      this.addSql(`alter table "${table}" drop column "household_id";`);
    }
    this.addSql(`drop table if exists "app_memberships" cascade;`);
    this.addSql(`drop table if exists "coparent_households" cascade;`);
  }
}
