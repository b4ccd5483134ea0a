/** Every migration in order. Append new ones; never edit one that has landed. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261126041938_identity } from './Migration20261126041938_identity';

export const migrationsList: MigrationObject[] = [{ name: 'Migration20261126041938_identity', class: Migration20261126041938_identity }];
