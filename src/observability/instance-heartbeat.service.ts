import { TaskKeys } from '../store/keys';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { RedisLike } from '../store/redis-like';
import type { DelayTaskOptions } from '../config/delay-task-options.interface';
import { DELAY_TASK_CONFIG, REDIS_CLIENT, TIMING_WHEEL } from '../delay-task.constants';
import type { Claim } from '../domain/claim';
import type { TimingWheel } from '../scheduler/timing-wheel';
import { TaskRunner } from '../tasks/task-runner.service';

const HEARTBEAT_MS = 2000;
/** An instance not heard of for this long is gone (it missed four heartbeats): forgotten. */
const GONE_AFTER_MS = 10_000;

/** What an instance says about itself in its heartbeat. */
export interface InstanceStatus {
  id: string;
  concurrency: number;
  /** Handlers running now. */
  running: number;
  /** Claims it holds (leased to it): in its wheel, waiting to start, running. */
  claimed: number;
  /** When it said so, and when it started (unix ms, by its clock). */
  at: number;
  startedAt: number;
}

/**
 * The instances of the deployment, each telling the others every 2 s what it runs and holds:
 * it writes `{prefix}instances` (HSET, one field per instance), and whoever reads the hash
 * forgets the fields not renewed for 10 s (a dead instance). A stopping instance removes its own.
 */
@Injectable()
export class InstanceHeartbeat implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly key: string;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DELAY_TASK_CONFIG) private readonly options: DelayTaskOptions,
    @Inject(REDIS_CLIENT) private readonly redis: RedisLike,
    private readonly runner: TaskRunner,
    private readonly moduleRef: ModuleRef,
  ) {
    this.key = new TaskKeys(options.prefix).instances;
  }

  onApplicationBootstrap(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.hdel(this.key, this.options.instanceId).catch(() => undefined);
  }

  /** This instance, now. */
  status(): InstanceStatus {
    const { running, claimed } = this.runner.load;
    return {
      id: this.options.instanceId,
      concurrency: this.options.concurrency,
      running,
      claimed: claimed + this.wheelSize(),
      at: Date.now(),
      startedAt: this.startedAt,
    };
  }

  /** The live instances, by ID; the fields of gone ones are removed on the way. */
  async instances(): Promise<InstanceStatus[]> {
    const fields = await this.redis.hgetall(this.key);
    const live: InstanceStatus[] = [];
    const gone: string[] = [];
    for (const [id, json] of Object.entries(fields)) {
      const status = readStatus(id, json);
      if (status && Date.now() - status.at < GONE_AFTER_MS) live.push(status);
      else gone.push(id);
    }
    if (gone.length > 0) await this.redis.hdel(this.key, ...gone);
    return live.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  private async beat(): Promise<void> {
    // A missed beat is not logged: the store's client logs the outage that caused it.
    await this.redis
      .hset(this.key, this.options.instanceId, JSON.stringify(this.status()))
      .catch(() => undefined);
  }

  /**
   * Claims waiting in the timing wheel. The wheel is the scheduler's own (not exported by the
   * engine's module): looked up, not injected, and counted as none where there is no wheel.
   */
  private wheelSize(): number {
    try {
      return this.moduleRef.get<TimingWheel<Claim>>(TIMING_WHEEL, { strict: false }).size;
    } catch {
      return 0;
    }
  }
}

/** A heartbeat read back, field by field: anything else in the hash is not trusted. */
function readStatus(id: string, json: string): InstanceStatus | undefined {
  try {
    const value = JSON.parse(json) as Record<string, unknown>;
    const [concurrency, running, claimed, at, startedAt] = [
      value.concurrency,
      value.running,
      value.claimed,
      value.at,
      value.startedAt,
    ];
    if (
      typeof concurrency !== 'number' ||
      typeof running !== 'number' ||
      typeof claimed !== 'number' ||
      typeof at !== 'number' ||
      typeof startedAt !== 'number'
    ) {
      return undefined;
    }
    return { id, concurrency, running, claimed, at, startedAt };
  } catch {
    return undefined;
  }
}
