/** The signals that stop a fleet, and the exit code each gives (128 + the signal's number). */
export type StopSignal = "SIGINT" | "SIGTERM";

export const SIGNAL_EXIT: Readonly<Record<StopSignal, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * A fleet's stop request, as data: the CLI hands it the signals it receives (a test hands it
 * its own). The first request stops the fleet from starting universes and lets the running
 * ones finish; a second abandons them, so a universe that never returns cannot hold the
 * partial reports hostage.
 */
export class Interrupt {
  private first: StopSignal | undefined;
  private requests = 0;
  private readonly abandonHooks: Array<() => void> = [];

  /** The first signal received, or undefined while none was. */
  get signal(): StopSignal | undefined {
    return this.first;
  }

  get abandoned(): boolean {
    return this.requests >= 2;
  }

  /** Records a signal; returns what it did ("stop" the first time, "abandon" the second). */
  request(signal: StopSignal): "stop" | "abandon" | "none" {
    this.requests++;
    if (this.requests === 1) {
      this.first = signal;
      return "stop";
    }
    if (this.requests === 2) {
      for (const hook of this.abandonHooks.splice(0)) hook();
      return "abandon";
    }
    return "none";
  }

  /** Calls `hook` at the second request (at once if it came already); returns its removal. */
  onAbandon(hook: () => void): () => void {
    if (this.abandoned) {
      hook();
      return () => {};
    }
    this.abandonHooks.push(hook);
    return () => {
      const i = this.abandonHooks.indexOf(hook);
      if (i >= 0) this.abandonHooks.splice(i, 1);
    };
  }
}
