// Group commit for webhook deliveries. Every donation moves one row (the raised_cents metric), so a burst of
// deliveries taking turns on it queues on the database's pool and on that row lock. Instead, what arrives
// while a transaction is running waits here (cheap, in memory) and goes in the next one, together: one
// transaction per batch, however wide the burst. Each caller still gets its own outcome, and an error fails
// only its batch (every sender retries; a retry is harmless).
import type { Db } from "../db/client.js";
import { recordDonations, type DeliveryOutcome, type DonationInput } from "./donations.js";

interface Waiting {
  input: DonationInput;
  now: Date;
  resolve(outcome: DeliveryOutcome): void;
  reject(err: unknown): void;
}

export interface DonationBatcher {
  submit(input: DonationInput, now: Date): Promise<DeliveryOutcome>;
}

export function createDonationBatcher(db: Db, options: { maxBatch?: number; thank?: boolean } = {}): DonationBatcher {
  const maxBatch = options.maxBatch ?? 100;
  const queue: Waiting[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      // The batch's moment: its latest arrival (each row keeps its own receivedAt).
      const now = new Date(Math.max(...batch.map((w) => w.now.getTime())));
      try {
        const outcomes = await recordDonations(
          db,
          batch.map((w) => w.input),
          now,
          { thank: options.thank },
        );
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
      } catch (err) {
        for (const w of batch) w.reject(err);
      }
    }
    running = false;
  }

  return {
    submit(input, now) {
      return new Promise<DeliveryOutcome>((resolve, reject) => {
        queue.push({ input, now, resolve, reject });
        if (!running) void drain();
      });
    },
  };
}
