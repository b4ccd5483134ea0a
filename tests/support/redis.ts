/**
 * Whether the Redis of the Redis tests answers: `REDIS_URL`, else the machine's 127.0.0.1:6379. Asked
 * synchronously (in a child process), because jest decides `describe` or `describe.skip` at load.
 */
import { spawnSync } from 'node:child_process';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

export function redisAnswers(url: string = REDIS_URL): boolean {
  const script = `const R=require('ioredis');const r=new R(process.argv[1],{lazyConnect:true,connectTimeout:1000,maxRetriesPerRequest:0,retryStrategy:()=>null});r.connect().then(()=>r.ping()).then(p=>{console.log(p);process.exit(0)},()=>process.exit(1))`;
  const res = spawnSync(process.execPath, ['-e', script, url], { timeout: 5000, encoding: 'utf8', cwd: __dirname });
  return res.status === 0 && res.stdout.trim() === 'PONG';
}
