/**
 * Look-ahead into what a client selected, for a resolver that can read less when less is asked for
 * (a list of people that shows names reads the names, not every column of a profile). The answers depend
 * only on the document, so callers keep them per field node.
 */
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

export type Fragments = Record<string, FragmentDefinitionNode>;
type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/**
 * The fields named `name` of a selection set (pushed onto `out`), through inline fragments and fragment
 * spreads; null when a directive stands on one of them or on a fragment on the way (it may leave the
 * field out at run time) or a fragment is unknown: the caller cannot be sure and should not narrow.
 */
export function fieldsNamed(set: SelectionSetNode | undefined, name: string, fragments: Fragments, out: FieldNode[] = []): FieldNode[] | null {
  if (!set) return out;
  for (const s of set.selections) {
    if (s.kind === 'Field') {
      if (s.name.value !== name) continue;
      if (s.directives?.length) return null;
      out.push(s);
    } else {
      if (s.directives?.length) return null;
      const inner = s.kind === 'InlineFragment' ? s.selectionSet : fragments[s.name.value]?.selectionSet;
      if (!inner || !fieldsNamed(inner, name, fragments, out)) return null;
    }
  }
  return out;
}

/** Whether every field a selection set asks (through fragments, whatever their directives) is a leaf in `allowed`. */
export function selectsOnly(set: SelectionSetNode | undefined, allowed: ReadonlySet<string>, fragments: Fragments): boolean {
  return leavesWithin(set, allowed, fragments, new Set()) !== null;
}

/** The field nodes selected at `path` below the resolving field; null when the path cannot be followed for certain. */
function nodesAt(info: SelectionInfo, path: readonly string[], fragments: Fragments): FieldNode[] | null {
  let nodes: FieldNode[] | null = [...info.fieldNodes];
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const n of nodes) if (!fieldsNamed(n.selectionSet, name, fragments, next)) nodes = null;
    if (!nodes) break;
    nodes = next;
  }
  return nodes;
}

/** The leaf fields `selectsOnly` found, or null when one is not among `allowed` (or not a leaf). */
function leavesWithin(set: SelectionSetNode | undefined, allowed: ReadonlySet<string>, fragments: Fragments, out: Set<string>): Set<string> | null {
  if (!set) return out;
  for (const s of set.selections) {
    if (s.kind === 'Field') {
      if (!allowed.has(s.name.value) || s.selectionSet) return null;
      out.add(s.name.value);
    } else {
      const inner = s.kind === 'InlineFragment' ? s.selectionSet : fragments[s.name.value]?.selectionSet;
      if (!inner || !leavesWithin(inner, allowed, fragments, out)) return null;
    }
  }
  return out;
}

/**
 * Which of the `allowed` fields are selected at `path` below the resolving field (field names, e.g.
 * `['users', 'user']`; whatever directives stand on them: a field that may be skipped is read anyway):
 * null when something else is selected there or the path cannot be followed for certain (`fieldsNamed`);
 * an empty set when the path is not selected at all (nothing is read there). Kept per field node
 * (graphql-jit keeps a compiled document's nodes; graphql-js hands a fresh array of the same nodes).
 */
export function selectedWithin(path: readonly string[], allowed: ReadonlySet<string>): (info: SelectionInfo) => ReadonlySet<string> | null {
  const known = new WeakMap<FieldNode, ReadonlySet<string> | null>();
  return (info) => {
    const key = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
    const cached = key && known.get(key);
    if (cached !== undefined) return cached;
    const fragments = info.fragments ?? {};
    const nodes = nodesAt(info, path, fragments);
    let leaves: Set<string> | null = nodes ? new Set<string>() : null;
    for (const n of nodes ?? []) if (leaves) leaves = leavesWithin(n.selectionSet, allowed, fragments, leaves);
    if (key) known.set(key, leaves);
    return leaves;
  };
}
