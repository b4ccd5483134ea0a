import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { CakeGroup } from './cake-group.entity';

/**
 * The durable feed behind `cakeEventChanged` and the SSE stream: one row per change, its serial id the
 * SSE `id`, so a client resumes with Last-Event-ID even for changes made while it was disconnected.
 * `payload` is the snapshot that was published. Rows are appended under a transaction-scoped advisory
 * lock, so ids are handed out in commit order; the newest 1000 rows of each group are kept.
 */
@Entity({ tableName: 'cake_event_log' })
@Index({ name: 'cake_event_log_group_id_id_index', properties: ['group', 'id'] })
export class CakeEventLogEntry {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @ManyToOne(() => CakeGroup, { deleteRule: 'cascade' })
  group!: CakeGroup;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'string', length: 16 })
  kind!: string;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
