/**
 * One Interchange server in a process of its own, for the memory measurements (forked by
 * bench/lib.ts `startServerChild`, with --expose-gc). Configuration comes from the environment exactly
 * as for `npm start`; the parent asks over the IPC channel for memory usage after forced GC, so the
 * server itself needs no extra endpoint.
 */
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { startServer } from '../src/server/server';

export type ChildRequest = { type: 'memory'; id: number } | { type: 'stop' };
export type ChildReply =
  | { type: 'ready'; port: number; startMs: number }
  | { type: 'memory'; id: number; usage: NodeJS.MemoryUsage }
  | { type: 'failed'; error: string };

const gc = (globalThis as { gc?: () => void }).gc;

/** Full GCs with pauses between, so finalizers and weak references settle before reading. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc');
  const started = performance.now();
  const server = await startServer(loadConfig(process.env));
  const send = (m: ChildReply) => process.send?.(m);
  process.on('message', (msg: ChildRequest) => {
    if (msg.type === 'memory') void settle().then(() => send({ type: 'memory', id: msg.id, usage: process.memoryUsage() }));
    if (msg.type === 'stop') void server.close().finally(() => process.exit(0));
  });
  process.on('disconnect', () => void server.close().finally(() => process.exit(0)));
  send({ type: 'ready', port: server.port, startMs: Math.round(performance.now() - started) });
}

main().catch((err) => {
  process.send?.({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) } satisfies ChildReply);
  process.exit(1);
});
