/**
 * The prefix's data in Redis is spread over another number of partitions than this process was
 * given: a task's partition is a function of its ID and that number, so with another one its
 * tasks would not be found (run, cancelled, looked up). Refused at start rather than lost quietly.
 */
export class PartitionsMismatchError extends Error {
  override readonly name = 'PartitionsMismatchError';

  constructor(
    readonly prefix: string,
    readonly inRedis: number,
    readonly given: number,
  ) {
    super(
      `Redis holds the tasks of prefix "${prefix}" spread over ${inRedis} partition(s), but ` +
        `DELAYTASK_PARTITIONS is ${given}: set it to ${inRedis} (moving the data to another ` +
        'number of partitions is not supported).',
    );
  }
}
