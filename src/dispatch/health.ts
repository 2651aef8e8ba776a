import type { JudgeCounters } from './judge.ts';

export type HealthStatus = 'ok' | 'degraded' | 'down';
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** What `bus.health()` returns: whether messages can be judged now, and why not. */
export interface BusHealth {
  /** `down`: no validation worker alive; `degraded`: some down, or a breaker not closed; else `ok`. */
  readonly status: HealthStatus;
  /** Validation threads: configured and alive now (both 0 in inline mode). */
  readonly workers: { readonly configured: number; readonly alive: number };
  /** Validation threads restarted since the bus started. */
  readonly restarts: number;
  /** Circuit breakers by name (only `deliberation` today, when it is on). */
  readonly breakers: Readonly<Record<string, BreakerState>>;
  /** Messages admitted and not yet released, and the bytes they count. */
  readonly inFlight: { readonly messages: number; readonly bytes: number };
}

export function busHealth(mode: 'workers' | 'inline', counters: JudgeCounters, inFlight: number, inFlightBytes: number): BusHealth {
  const { configured, alive, restarts } = counters.threads;
  const breakers: Record<string, BreakerState> = {};
  if (counters.deliberation !== null) breakers.deliberation = counters.deliberation.breaker;
  let status: HealthStatus = 'ok';
  if (mode === 'workers' && alive === 0) status = 'down';
  else if ((mode === 'workers' && alive < configured) || Object.values(breakers).some((state) => state !== 'closed')) status = 'degraded';
  return { status, workers: { configured, alive }, restarts, breakers, inFlight: { messages: inFlight, bytes: inFlightBytes } };
}
