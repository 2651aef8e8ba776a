import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * Keeps the process alive while messages are in flight. A pending `Atomics.waitAsync` does not hold the
 * event loop open (nodejs/node#61941), so without this a script that awaits `send()` could exit with the
 * promise unsettled. A ref'd MessagePort that never receives anything costs nothing while it waits — it is
 * a handle, not a timer — and ref/unref are cheap enough to toggle per message.
 */
export class KeepAlive {
  private readonly channel = new MessageChannel();
  private readonly port: MessagePort = this.channel.port1;
  private held = false;
  private closed = false;

  constructor() {
    this.port.on('message', () => {});
    this.port.unref();
  }

  hold(): void {
    if (this.held || this.closed) return;
    this.port.ref();
    this.held = true;
  }

  release(): void {
    if (!this.held) return;
    this.port.unref();
    this.held = false;
  }

  close(): void {
    this.release();
    this.closed = true;
    this.channel.port1.close();
    this.channel.port2.close();
  }
}
