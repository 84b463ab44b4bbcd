/** Injection tokens of the engine's providers. */
export const REDIS_CLIENT = Symbol('delaytask:redis-client');
export const TASK_STORE = Symbol('delaytask:task-store');
export const OPERATIONS_STORE = Symbol('delaytask:operations-store');
export const SERVER_CLOCK = Symbol('delaytask:server-clock');
export const DELAY_TASK_CONFIG = Symbol('delaytask:config');
export const TIMING_WHEEL = Symbol('delaytask:timing-wheel');

/** The logical pattern of the ingest handler; the transport maps it to the configured channel. */
export const TASK_MESSAGE_PATTERN = 'delaytask:task-message';
