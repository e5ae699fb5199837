/**
 * Back-pressure on a peer's requests: while `limit` of them are being handled (their answers pending), the
 * session stops reading, per PDU (FrameIntake holds the rest of a read), and reads on once one settles. A peer
 * that writes thousands of requests at once — an aggregator's burst of submits, a carrier's dump of held
 * receipts after an outage — then waits in TCP instead of in our memory and in Redis's queue.
 */
export interface ReadControl {
  pauseReading(): void;
  resumeReading(): void;
}

export class InboundLimit {
  private inFlight = 0;
  private paused = false;

  constructor(
    private readonly limit: number,
    private readonly session: ReadControl,
  ) {}

  /** Counts one request from now until `answer` settles; an answer given at once holds nothing. */
  track<T>(answer: Promise<T>): Promise<T>;
  track<T>(answer: T | Promise<T>): T | Promise<T>;
  track<T>(answer: T | Promise<T>): T | Promise<T> {
    if (!(answer instanceof Promise)) return answer;
    this.inFlight++;
    if (this.inFlight >= this.limit && !this.paused) {
      this.paused = true;
      this.session.pauseReading();
    }
    return answer.then(
      (value) => {
        this.settled();
        return value;
      },
      (error: unknown) => {
        this.settled();
        throw error;
      },
    );
  }

  private settled(): void {
    this.inFlight--;
    if (this.paused && this.inFlight < this.limit) {
      this.paused = false;
      this.session.resumeReading();
    }
  }
}
