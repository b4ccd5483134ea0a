/**
 * Preloaded (`node --expose-gc -r dist-bench/bench/baselines/memory-probe.js dist/src/main.js`) into
 * our server when the bench measures its memory: answers `{ type: 'memory', id }` on the IPC channel
 * with process.memoryUsage() read after full GCs. The server itself is started by its public entry,
 * unchanged; without an IPC channel this file does nothing.
 */
const gc = (globalThis as { gc?: () => void }).gc;

/** Full GCs with pauses between, so finalizers and weak references settle before reading. */
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 150));
  }
}

if (process.send) {
  process.on('message', (msg: { type?: string; id?: number }) => {
    if (msg?.type === 'memory') void settle().then(() => process.send?.({ type: 'memory', id: msg.id, usage: process.memoryUsage() }));
  });
  // the IPC channel must not keep the server alive, nor stop it from exiting on SIGTERM
  process.channel?.unref();
}
