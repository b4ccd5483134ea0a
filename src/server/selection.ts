/**
 * Look-ahead into what a client selected, for a resolver that can read less when less is asked for
 * (a list of people that shows names reads the names, not every column of a profile).
 */
import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** The selection sets of the fields named `name` in `sets`, through inline fragments and fragment spreads. */
function childSets(sets: readonly SelectionSetNode[], name: string, info: SelectionInfo): SelectionSetNode[] {
  const out: SelectionSetNode[] = [];
  const visit = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === name && sel.selectionSet) out.push(sel.selectionSet);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) visit(sel.selectionSet);
      else {
        const fragment = info.fragments[sel.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  for (const set of sets) visit(set);
  return out;
}

/** Whether every field selected in `sets` (through fragments, whatever their directives) is in `allowed`. */
function fieldsWithin(sets: readonly SelectionSetNode[], allowed: ReadonlySet<string>, info: SelectionInfo): boolean {
  for (const set of sets) {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!allowed.has(sel.name.value)) return false;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (!fieldsWithin([sel.selectionSet], allowed, info)) return false;
      } else {
        const fragment = info.fragments[sel.name.value];
        if (!fragment || !fieldsWithin([fragment.selectionSet], allowed, info)) return false;
      }
    }
  }
  return true;
}

/**
 * A test of the resolving field's selection: whether everything selected at `path` below it (field
 * names, e.g. `['users', 'user']`) is among `allowed`. A path not selected at all passes (nothing is
 * read there). The answer depends only on the document, so it is kept per field node (graphql-jit
 * keeps a compiled document's nodes; graphql-js hands a fresh array, whose first node is the key).
 */
export function selectionWithin(path: readonly string[], allowed: ReadonlySet<string>): (info: SelectionInfo) => boolean {
  const known = new WeakMap<FieldNode, boolean>();
  return (info) => {
    const key = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
    const cached = key && known.get(key);
    if (cached !== undefined) return cached;
    let sets = info.fieldNodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
    for (const name of path) sets = childSets(sets, name, info);
    const within = fieldsWithin(sets, allowed, info);
    if (key) known.set(key, within);
    return within;
  };
}
