import { spawnSync } from 'node:child_process';

export { startRedisServer, type RedisServer } from '../../../bench/redis/redis-server.ts';

const HAVE_REDIS = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Options for `test()`: skipped when redis-server is missing on a developer machine; under CI=true its
 * absence is a failure, never a skip (the tests then run and fail to start it).
 */
export const needsRedis: { skip: string | false } = {
  skip: HAVE_REDIS || process.env.CI === 'true' ? false : 'redis-server is not installed (apt-get install -y redis-server)',
};
