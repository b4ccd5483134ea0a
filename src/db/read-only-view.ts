/**
 * A read-only entity that is not managed: own data properties on an object of the entity class's
 * prototype (relations as `{ id }`), for lists read with raw SQL. type-graphql takes it as the root of
 * field resolvers as it is — given a plain object it would construct an entity from it, once per row
 * and field resolver — and MikroORM never tracks it (no identity map, no hydration, no change sets).
 * `defineProperty`, not assignment: MikroORM's accessors on the prototype would run for an assignment.
 */
export function readOnlyView<T>(prototype: object, values: Record<string, unknown>): T {
  const view = Object.create(prototype) as T;
  for (const key in values) Object.defineProperty(view, key, { value: values[key], enumerable: true, writable: false, configurable: false });
  return view;
}
