import { Migration } from '@mikro-orm/migrations';

/**
 * Evidence bytes go with their evidence row, however the row goes: deleted by staff, or cascaded from a
 * report, an event, or an organization. The foreign key runs from the evidence row to `stored_files`
 * (shared storage has no key back to its owners), so without this trigger a cascaded delete left the
 * bytes behind, unreachable — and evidence is the most sensitive data conduct keeps. The same pattern as
 * `cake_photos_delete_file`. Bytes already orphaned that way are removed here once.
 */
export class Migration20261202010000_conduct_evidence_files extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function "conduct_evidence_delete_file"() returns trigger language plpgsql as $$ begin delete from "stored_files" where "id" = old."file_id"; return old; end $$;`);
    this.addSql(`create trigger "conduct_evidence_delete_file" after delete on "conduct_evidence" for each row execute function "conduct_evidence_delete_file"();`);
    this.addSql(`delete from "stored_files" f where f."purpose" = 'conduct-evidence' and not exists (select 1 from "conduct_evidence" e where e."file_id" = f."id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "conduct_evidence_delete_file" on "conduct_evidence";`);
    this.addSql(`drop function if exists "conduct_evidence_delete_file"();`);
  }
}
