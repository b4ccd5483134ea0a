/** Every migration in order. Append new ones; never edit one that has landed. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126041938_identity } from './Migration20261126041938_identity';
import { Migration20261126042816_compass } from './Migration20261126042816_compass';
import { Migration20261126042858_coparent } from './Migration20261126042858_coparent';
import { Migration20261126042910_cake } from './Migration20261126042910_cake';
import { Migration20261126060000_auth_notify } from './Migration20261126060000_auth_notify';
import { Migration20261201000000_idempotency_keys } from './Migration20261201000000_idempotency_keys';
import { Migration20261201100000_enrollment } from './Migration20261201100000_enrollment';
import { Migration20261201200000_conduct } from './Migration20261201200000_conduct';
import { Migration20261201300000_conduct_reports } from './Migration20261201300000_conduct_reports';
import { Migration20261202000000_apq_documents } from './Migration20261202000000_apq_documents';
import { Migration20261202010000_conduct_evidence_files } from './Migration20261202010000_conduct_evidence_files';

export const migrationsList: MigrationObject[] = [{ name: 'Migration20261126041938_identity', class: Migration20261126041938_identity },
  { name: 'Migration20261126042816_compass', class: Migration20261126042816_compass },
  { name: 'Migration20261126042858_coparent', class: Migration20261126042858_coparent },
  { name: 'Migration20261126042910_cake', class: Migration20261126042910_cake },
  { name: 'Migration20261126060000_auth_notify', class: Migration20261126060000_auth_notify },
  { name: 'Migration20261201000000_idempotency_keys', class: Migration20261201000000_idempotency_keys },
  { name: 'Migration20261201100000_enrollment', class: Migration20261201100000_enrollment },
  { name: 'Migration20261201200000_conduct', class: Migration20261201200000_conduct },
  { name: 'Migration20261201300000_conduct_reports', class: Migration20261201300000_conduct_reports },
  { name: 'Migration20261202000000_apq_documents', class: Migration20261202000000_apq_documents },
  { name: 'Migration20261202010000_conduct_evidence_files', class: Migration20261202010000_conduct_evidence_files },
];
