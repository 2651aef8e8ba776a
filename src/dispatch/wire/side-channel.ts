import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * Large or uncopyable state for a worker — a policy (its compiled WebAssembly.Module) or a registry snapshot
 * of any size — travels through a MessagePort, not the byte ring. The ring carries only a small record naming
 * what to take, so *where* in the message stream the change applies is still fixed by the ring's order.
 */
interface SideMessage {
  kind: string;
  key: string;
  value: unknown;
}

/** Main side. */
export function postSide(port: MessagePort, kind: string, key: string, value: unknown): void {
  port.postMessage({ kind, key, value } satisfies SideMessage);
}

/** Worker side: takes posted values on demand, synchronously (the worker's loop never yields to its event loop). */
export class SideChannelReader {
  /** Values of another kind that arrived while looking for one kind; a newer value of a kind replaces an older. */
  private readonly early = new Map<string, SideMessage[]>();

  constructor(private readonly port: MessagePort) {}

  /** The value posted as (`kind`, `key`). It was posted before its ring record was written, so it is here. */
  take(kind: string, key: string): unknown {
    const waiting = this.early.get(kind);
    if (waiting !== undefined) {
      const index = waiting.findIndex((m) => m.key === key);
      if (index !== -1) {
        const [found] = waiting.splice(0, index + 1).slice(-1);
        return found!.value;
      }
      this.early.delete(kind);
    }
    for (;;) {
      const received = receiveMessageOnPort(this.port);
      if (received === undefined) throw new Error(`${kind} ${key} was announced but never posted`);
      const message = received.message as SideMessage;
      if (message.kind === kind && message.key === key) return message.value;
      if (message.kind !== kind) {
        const list = this.early.get(message.kind) ?? [];
        list.push(message);
        this.early.set(message.kind, list);
      }
      // same kind, older key: superseded, dropped
    }
  }
}
