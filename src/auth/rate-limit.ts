/**
 * Login attempts per client IP, counted in PostgreSQL so REST, GraphQL and every instance share them
 * (rate-limiter-flexible's PostgreSQL store; the table is created by a migration).
 */
import { Pool } from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../errors/domain-error';

export class LoginRateLimiter {
  private readonly pool: Pool;
  private readonly limiter: RateLimiterPostgres;

  constructor(databaseUrl: string, maxPerMinute: number) {
    this.pool = new Pool({ connectionString: databaseUrl, max: 3 });
    this.pool.on('error', () => undefined);
    this.limiter = new RateLimiterPostgres({
      storeClient: this.pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix: 'login',
      points: maxPerMinute,
      duration: 60,
      clearExpiredByTimeout: false,
    } as ConstructorParameters<typeof RateLimiterPostgres>[0]);
  }

  /** Counts one attempt; throws RATE_LIMITED (with Retry-After seconds) past the limit. */
  async consume(ip: string): Promise<void> {
    try {
      await this.limiter.consume(ip || 'unknown', 1);
    } catch (res) {
      if (res instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new DomainError('RATE_LIMITED', 'Too many login attempts, try again later', { retryAfter });
      }
      throw res;
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
