import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { postSide, SideChannelReader } from '../../../src/dispatch/wire/side-channel.ts';

test('the reader takes the announced value, keeps other kinds for later, and drops superseded ones', () => {
  const { port1, port2 } = new MessageChannel();
  const reader = new SideChannelReader(port2);
  postSide(port1, 'registry', '1', ['r1']);
  postSide(port1, 'policy', 'a', { p: 'a' });
  postSide(port1, 'registry', '2', ['r2']);
  postSide(port1, 'policy', 'b', { p: 'b' });
  postSide(port1, 'registry', '3', ['r3']);
  assert.deepEqual(reader.take('registry', '2'), ['r2'], 'registry 1 is superseded');
  assert.deepEqual(reader.take('policy', 'b'), { p: 'b' }, 'policy a is superseded');
  assert.deepEqual(reader.take('registry', '3'), ['r3']);
  assert.throws(() => reader.take('policy', 'c'), /never posted/);
  port1.close();
  port2.close();
});
