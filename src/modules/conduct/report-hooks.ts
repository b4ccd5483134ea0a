/**
 * What happens to a report, told to whoever must act on it inside the same unit of work: the report
 * services (reports, evidence, comments) call `reportChanged(tx, change)` in the transaction of the
 * change; notifications (created for exactly the contract's recipients, never the actor) and anything
 * else that must commit or roll back with the change register a hook with `onReportChange` at module
 * load. The two sides are written apart (conduct-reports.md "Notifications" vs "Reports").
 */
import type { AppContext } from '../../context/context';
import type { ConductReport } from './report.entity';

export type ReportChange =
  /** a new report (its event's Admins and Responders are told) */
  | { kind: 'submitted'; report: ConductReport }
  /** a state change (`notes`: the internal comment holding the actor's notes, when any) */
  | { kind: 'stateChanged'; report: ConductReport; from: string; to: string }
  /** a new assignee (also when the actor assigned themselves) */
  | { kind: 'assigned'; report: ConductReport; assigneeId: string }
  /** a comment; an internal one is never told to a Reporter */
  | { kind: 'commentAdded'; report: ConductReport; commentId: string; visibility: 'public' | 'internal' };

type Hook = (tx: AppContext, change: ReportChange) => Promise<void>;
const hooks: Hook[] = [];

/** Registers a hook (once, at module load). */
export function onReportChange(hook: Hook): void {
  hooks.push(hook);
}

/** Runs every hook in the caller's unit of work (`tx` is its context); the actor is `tx.viewer`. */
export async function reportChanged(tx: AppContext, change: ReportChange): Promise<void> {
  for (const hook of hooks) await hook(tx, change);
}
