import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { randomUUID } from 'node:crypto';

/** The outbox: every mail sent, and the only delivery when SMTP_URL is unset. */
@ObjectType()
@Entity({ tableName: 'mail_messages' })
export class MailMessage {
  [OptionalProps]?: 'createdAt' | 'html';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Field(() => String)
  @Index()
  @Property({ type: 'string', length: 254, fieldName: 'to_address' })
  to!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 500 })
  subject!: string;

  @Field(() => String)
  @Property({ type: 'text' })
  text!: string;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  html?: string | null;

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
