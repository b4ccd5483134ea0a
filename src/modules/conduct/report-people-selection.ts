/**
 * What a report list's selection asks of the people its reports name (`reporter`, `assignedResponder`),
 * read from the list field's nodes: whether the list should read them with the page (and how wide).
 *
 * The list reads the people itself when the selection is plain enough to be sure of: then the field
 * resolvers answer from the rows (no loader, no promise per report and field), and when every field
 * asked of a person is one of a few plain columns the statement reads only those. Anything this does
 * not follow for certain (a directive on the way to a person, an unknown fragment) answers `lazy`: the
 * field resolvers then load the whole user through the request's loader, as they always could.
 */
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** `skip`: no person asked (nothing to read); `narrow`: only the columns of NARROW_PERSON_COLUMNS; `full`: the whole row. */
export type PeopleRead = 'lazy' | 'skip' | 'narrow' | 'full';

export interface PeopleSelection {
  read: PeopleRead;
  reporter: boolean;
  assignedResponder: boolean;
}

/** User fields that are plain columns of `users` (no resolver, no computed getter). */
export const NARROW_PERSON_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'email', '__typename']);

const LAZY: PeopleSelection = { read: 'lazy', reporter: false, assignedResponder: false };

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * The fields named `name` of a selection set, through inline fragments and fragment spreads; null when a
 * directive stands on one of them or on a fragment on the way (it may leave the field out at run time).
 */
function fieldsNamed(set: SelectionSetNode | undefined, name: string, fragments: Fragments, out: FieldNode[]): FieldNode[] | null {
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

/** Whether every field a selection set asks (through fragments) is a plain person column. */
function onlyPlainColumns(set: SelectionSetNode | undefined, fragments: Fragments): boolean {
  if (!set) return true;
  for (const s of set.selections) {
    if (s.kind === 'Field') {
      if (!NARROW_PERSON_FIELDS.has(s.name.value) || s.selectionSet) return false;
    } else {
      const inner = s.kind === 'InlineFragment' ? s.selectionSet : fragments[s.name.value]?.selectionSet;
      if (!inner || !onlyPlainColumns(inner, fragments)) return false;
    }
  }
  return true;
}

// keyed by the first node: graphql-js collects a new array of the nodes at every execution, the nodes
// themselves are the document's (and so are its fragments)
const cache = new WeakMap<FieldNode, PeopleSelection>();

function analyse(nodes: readonly FieldNode[], fragments: Fragments): PeopleSelection {
  const reports: FieldNode[] = [];
  for (const node of nodes) if (!fieldsNamed(node.selectionSet, 'reports', fragments, reports)) return LAZY;
  const reporter: FieldNode[] = [];
  const assignee: FieldNode[] = [];
  for (const r of reports) {
    if (!fieldsNamed(r.selectionSet, 'reporter', fragments, reporter) || !fieldsNamed(r.selectionSet, 'assignedResponder', fragments, assignee)) return LAZY;
  }
  if (!reporter.length && !assignee.length) return { read: 'skip', reporter: false, assignedResponder: false };
  const narrow = [...reporter, ...assignee].every((f) => onlyPlainColumns(f.selectionSet, fragments));
  return { read: narrow ? 'narrow' : 'full', reporter: reporter.length > 0, assignedResponder: assignee.length > 0 };
}

/** The people a report list's selection asks (kept per field nodes: the same for every run of a document). */
export function peopleSelection(info: GraphQLResolveInfo | undefined): PeopleSelection {
  const first = info?.fieldNodes?.[0];
  if (!first) return LAZY;
  let s = cache.get(first);
  if (!s) cache.set(first, (s = analyse(info.fieldNodes, info.fragments ?? {})));
  return s;
}
