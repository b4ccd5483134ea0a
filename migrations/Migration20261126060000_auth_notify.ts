import { Migration } from '@mikro-orm/migrations';

/**
 * Every change to a user or a session, whoever makes it (any instance, any statement, an operator's
 * SQL), notifies channel `ix_auth` at commit, so each instance's session cache (src/auth/auth-store.ts)
 * forgets what it held about that user or session; a TRUNCATE of either table empties the caches.
 * Inserts need no notice: nothing cached them yet.
 */
export class Migration20261126060000_auth_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function ix_auth_changed() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'users' then
    perform pg_notify('ix_auth', 'u:' || (case when tg_op = 'DELETE' then old.id else new.id end)::text);
  else
    perform pg_notify('ix_auth', 's:' || (case when tg_op = 'DELETE' then old.id else new.id end)::text);
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger users_auth_changed after update or delete on "users" for each row execute function ix_auth_changed();`);
    this.addSql(`create trigger sessions_auth_changed after update or delete on "sessions" for each row execute function ix_auth_changed();`);
    this.addSql(`create or replace function ix_auth_truncated() returns trigger language plpgsql as $$
begin
  perform pg_notify('ix_auth', 'all');
  return null;
end $$;`);
    this.addSql(`create trigger users_auth_truncated after truncate on "users" for each statement execute function ix_auth_truncated();`);
    this.addSql(`create trigger sessions_auth_truncated after truncate on "sessions" for each statement execute function ix_auth_truncated();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists sessions_auth_truncated on "sessions";`);
    this.addSql(`drop trigger if exists users_auth_truncated on "users";`);
    this.addSql(`drop function if exists ix_auth_truncated();`);
    this.addSql(`drop trigger if exists sessions_auth_changed on "sessions";`);
    this.addSql(`drop trigger if exists users_auth_changed on "users";`);
    this.addSql(`drop function if exists ix_auth_changed();`);
  }
}
