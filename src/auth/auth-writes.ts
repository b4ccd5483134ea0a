/**
 * Notes the statements this process sends that change users, sessions or memberships (MikroORM's `onQuery` hook,
 * mikro-orm.config.ts), so a request that made such a change knows to wait for the session caches'
 * notice before it answers (AppContext.settle, auth-store.ts). A count, not a list: a request compares
 * the count at its start and its end; a concurrent request's change only costs it one extra wait.
 */
let writes = 0;

// memberships are read with the session check too: a new one (insert) changes what a viewer may do
const CHANGES_AUTH = /\b(?:(?:update|delete\s+from)\s+"?(?:users|sessions|app_memberships)"?|insert\s+into\s+"?app_memberships"?)[\s(]/i;

export function noteStatement(sql: string): string {
  if (CHANGES_AUTH.test(sql)) writes += 1;
  return sql;
}

export function authWrites(): number {
  return writes;
}
