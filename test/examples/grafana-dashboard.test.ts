import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAgentBus } from '../../src/index.ts';
import { instrumentBus } from '../../src/metrics/prometheus.ts';
import { parsePrometheusText } from '../helpers/prometheus-text.ts';

interface Panel { title: string; targets: { expr: string }[]; datasource: { uid: string } }

test('every metric the Grafana dashboard queries is one the exporter (or Node default metrics) exposes', async () => {
  const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/grafana-dashboard.json'), 'utf8')) as { panels: Panel[]; __inputs: { name: string }[] };
  const bus = await createAgentBus({ mode: 'inline', policy: false, deliberation: false, log: () => {} });
  let exposed: Set<string>;
  try {
    const families = parsePrometheusText(await instrumentBus(bus).metrics());
    exposed = new Set([...families.values()].flatMap((f) => (f.type === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name])));
  } finally {
    await bus.close();
  }
  // Only present when the bus has health() (added by the supervision work); the panel shows nothing without it.
  const optional = new Set(['agentbus_health']);
  const referenced = new Set<string>();
  assert.ok(dashboard.panels.length >= 10);
  for (const panel of dashboard.panels) {
    assert.equal(panel.datasource.uid, '${DS_PROMETHEUS}', `${panel.title}: the import-time data source`);
    assert.ok(panel.targets.length > 0, panel.title);
    for (const { expr } of panel.targets) {
      for (const [name] of expr.matchAll(/\b(?:agentbus|nodejs|process)_[a-z0-9_]+/g)) referenced.add(name);
    }
  }
  for (const name of referenced) assert.ok(exposed.has(name) || optional.has(name), `${name} is queried but not exposed`);
  for (const needed of ['agentbus_messages_total', 'agentbus_send_latency_seconds_bucket', 'agentbus_in_flight', 'agentbus_event_loop_delay_seconds', 'agentbus_policy_cache_total', 'agentbus_deliberation_total']) {
    assert.ok(referenced.has(needed), `the dashboard shows ${needed}`);
  }
  assert.deepEqual(dashboard.__inputs.map((i) => i.name), ['DS_PROMETHEUS']);
});
