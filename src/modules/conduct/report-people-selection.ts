/**
 * What a report list's selection asks of the people its reports name (`reporter`, `assignedResponder`),
 * read from the list field's nodes: whether the list should read them with the page (and how wide).
 *
 * The list reads the people itself when the selection is plain enough to be sure of: then the field
 * resolvers answer from the rows (no loader, no promise per report and field), and when every field
 * asked of a person is among LIST_USER_FIELDS (user-row.ts) the statement reads only their columns. Anything this does
 * not follow for certain (a directive on the way to a person, an unknown fragment) answers `lazy`: the
 * field resolvers then load the whole user through the request's loader, as they always could.
 */
import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import { fieldsNamed, Fragments, selectsOnly } from '../../server/selection';
import { LIST_USER_FIELDS } from '../identity/user-row';

/** `skip`: no person asked (nothing to read); `narrow`: only LIST_USER_FIELDS (user-row.ts); `full`: the whole row. */
export type PeopleRead = 'lazy' | 'skip' | 'narrow' | 'full';

export interface PeopleSelection {
  read: PeopleRead;
  reporter: boolean;
  assignedResponder: boolean;
}

const LAZY: PeopleSelection = { read: 'lazy', reporter: false, assignedResponder: false };

// keyed by the first node when it is the only one: graphql-js collects a new array of the nodes at every
// execution, the nodes themselves are the document's (and so are its fragments)
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
  const narrow = [...reporter, ...assignee].every((f) => selectsOnly(f.selectionSet, LIST_USER_FIELDS, fragments));
  return { read: narrow ? 'narrow' : 'full', reporter: reporter.length > 0, assignedResponder: assignee.length > 0 };
}

/** The people a report list's selection asks (kept per field nodes: the same for every run of a document). */
export function peopleSelection(info: GraphQLResolveInfo | undefined): PeopleSelection {
  const nodes = info?.fieldNodes;
  if (!info || !nodes?.length) return LAZY;
  if (nodes.length > 1) return analyse(nodes, info.fragments ?? {});
  let s = cache.get(nodes[0]);
  if (!s) cache.set(nodes[0], (s = analyse(nodes, info.fragments ?? {})));
  return s;
}
