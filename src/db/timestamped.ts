/**
 * `createdAt` and `updatedAt` as most entities of the graph declare them: set on insert, `updatedAt`
 * moved on every update, both in the GraphQL type. Entities that index or hide them (User, Session,
 * …) declare their own.
 */
import { Entity, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';

@ObjectType()
@Entity({ abstract: true })
export abstract class Timestamped {
  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => Date)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
