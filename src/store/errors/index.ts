export { ScriptLoadError } from './script-load.error';
export { StoreArgumentError } from './store-argument.error';
export { UnexpectedReplyError } from './unexpected-reply.error';
export { ReplicaAckError } from './replica-ack.error';
export { PartitionsMismatchError } from './partitions-mismatch.error';
