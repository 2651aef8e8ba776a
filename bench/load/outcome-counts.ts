import type { SendOutcome } from '../peers/peer.ts';

/** How the settled messages of a window ended. */
export class OutcomeCounts {
  private delivered = 0;
  private denied = 0;
  private errors = 0;

  add(outcome: SendOutcome): void {
    if (outcome === 'delivered') this.delivered++;
    else if (outcome === 'denied') this.denied++;
    else this.errors++;
  }

  fields(): { delivered: number; denied: number; errors: number } {
    return { delivered: this.delivered, denied: this.denied, errors: this.errors };
  }
}
