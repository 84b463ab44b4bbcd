import type { LoggerService } from '@nestjs/common';
import { formatDuration } from './task-fields';

/** How long reading must go on without a pause before a pausing episode counts as over. */
const QUIET_MS = 5000;

/**
 * Logs ingest's pauses of the task channel by episode. While Redis takes accepted tasks slower than
 * they come (a flood, an outage), reading stops and resumes with every batch Redis takes: a line
 * each would flood the log. So the first pause of an episode is logged (at error level: unread
 * messages pile up in Redis, which may cut the subscriber off), and the end of the episode once
 * reading has gone on for `quietMs` without another pause, with how many pauses it took.
 */
export class ReadPauseLog {
  private episode: { startedAt: number; pauses: number } | undefined;
  private quietTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: LoggerService,
    private readonly channel: string,
    private readonly now: () => number = Date.now,
    private readonly quietMs = QUIET_MS,
  ) {}

  /** Reading stopped; `why` says what is held and the limit it passed. */
  stopped(why: string): void {
    clearTimeout(this.quietTimer);
    if (this.episode !== undefined) {
      this.episode.pauses++;
      return;
    }
    this.episode = { startedAt: this.now(), pauses: 1 };
    this.logger.error(
      `Stopped reading ${this.channel}: ${why}. Reading again below half of it. Meanwhile unread ` +
        'messages pile up in Redis, which cuts this subscriber off past its ' +
        'client-output-buffer-limit for pubsub: messages published then are lost.',
    );
  }

  resumed(): void {
    const episode = this.episode;
    if (episode === undefined) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.episode = undefined;
      this.logger.log(
        `Reading ${this.channel} steadily again, after ${episode.pauses} pause(s) over ` +
          formatDuration(this.now() - this.quietMs - episode.startedAt),
      );
    }, this.quietMs);
    this.quietTimer.unref();
  }
}
