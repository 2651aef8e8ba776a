import assert from 'node:assert/strict';
import { Session } from 'node:inspector';
import { describe, it } from 'node:test';
import { SenderVolumeWindow } from '../../src/pipeline/sender-volume.ts';

interface SamplingNode {
  callFrame: { functionName: string };
  selfSize: number;
  children: SamplingNode[];
}

/** Bytes that V8's sampling heap profiler saw allocated by `run` (every object, kept or collected) under a frame named `frame`. */
function sampledBytesUnder(frame: string, run: () => void): number {
  const session = new Session();
  session.connect();
  try {
    // A same-thread session answers synchronously.
    session.post('HeapProfiler.enable');
    session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
    run();
    let profile: { head: SamplingNode } | undefined;
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) throw error;
      profile = result.profile as unknown as { head: SamplingNode };
    });
    let total = 0;
    const walk = (node: SamplingNode, inside: boolean): void => {
      const here = inside || node.callFrame.functionName === frame;
      if (here) total += node.selfSize;
      for (const child of node.children) walk(child, here);
    };
    walk(profile!.head, false);
    return total;
  } finally {
    session.disconnect();
  }
}

describe('SenderVolumeWindow', () => {
  it('counts per sender within the window and forgets old buckets', () => {
    const window = new SenderVolumeWindow({ windowMs: 10_000, buckets: 10 });
    const t0 = 1_000_000;
    assert.equal(window.record('a', t0), 1);
    assert.equal(window.record('a', t0 + 500), 2);
    assert.equal(window.record('b', t0 + 500), 1);
    assert.equal(window.count('a', t0 + 9_000), 2);
    assert.equal(window.count('a', t0 + 10_500), 0, 'both messages fell out of the window');
    assert.equal(window.record('a', t0 + 30_000), 1);
  });

  it('caps the number of senders tracked, forgetting the least recently seen', () => {
    const window = new SenderVolumeWindow({ maxSenders: 2 });
    window.record('a', 0);
    window.record('b', 0);
    window.record('a', 1);
    window.record('c', 2);
    assert.equal(window.trackedSenders, 2);
    assert.equal(window.count('b', 3), 0, 'b was least recently seen');
    assert.equal(window.count('a', 3), 2);
  });

  it('count() reads without making the sender recently seen', () => {
    const window = new SenderVolumeWindow({ maxSenders: 2 });
    window.record('a', 0);
    window.record('b', 0);
    assert.equal(window.count('a', 1), 1);
    window.record('c', 2);
    assert.equal(window.count('a', 3), 0, 'a was still the least recently recorded');
    assert.equal(window.count('b', 3), 1);
  });

  it('refuses a fractional or non-positive sender cap', () => {
    assert.throws(() => new SenderVolumeWindow({ maxSenders: 1.5 }), RangeError);
    assert.throws(() => new SenderVolumeWindow({ maxSenders: 0 }), RangeError);
  });

  it('recording known senders allocates nothing per message', () => {
    const window = new SenderVolumeWindow();
    const senders = Array.from({ length: 60 }, (_, i) => `agent-${i}`);
    const recordMany = (count: number): void => {
      for (let i = 0; i < count; i++) window.record(senders[i % senders.length]!, 1_000_000 + (i >> 10));
    };
    recordMany(10_000); // every sender known, the code warm
    const messages = 200_000;
    const bytes = sampledBytesUnder('record', () => recordMany(messages));
    // Kept in a Map's insertion order (a delete and a re-insert per message), the table's rebuilds cost 10 B a message here.
    assert.ok(bytes / messages < 2, `${(bytes / messages).toFixed(1)} bytes allocated per recorded message`);
  });
});
