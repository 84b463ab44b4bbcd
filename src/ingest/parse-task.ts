import type { TaskSpec } from '../domain/task-spec';
import { buildSpec } from './parse/build-spec';
import { checkPayload } from './parse/check-payload';
import { readFields } from './parse/message-fields';
import { checkShape } from './parse/message-shape';
import { placeInTime, type TimeRules } from './parse/place-in-time';
import { Rejection } from './parse/rejection';
import { validateFields, type FieldRules } from './parse/validate-fields';
import type { IncomingTaskMessage } from './task-message.deserializer';

/** What a message is checked against: the registered task types and bounds, and the clock. */
export type ParseOptions = FieldRules & TimeRules;

/** What `parseTask` reads of a message: its parsed body and its text as received. */
export type ParseInput = Pick<IncomingTaskMessage, 'body' | 'text' | 'idSource'>;

export type ParseResult =
  | { ok: true; spec: TaskSpec; dueMs: number }
  | { ok: false; reason: string; id?: string };

/**
 * Validates and normalises one task message (its body: the parsed seed message or Nest envelope
 * data, the text when JSON.parse failed, or an `OversizedMessage`). Pure: no I/O, the clock is
 * injected. On success, `spec` is the `TaskSpec` to store (its JSON text is the content
 * fingerprint: keys in interface order, undefined fields omitted, times and durations in ms) and
 * `dueMs` is the first run time. A message without `ID` gets one derived from its text (or from
 * its `idSource`, a stream entry's ID).
 *
 * The steps, each in `./parse/`: read (shape, then fields and payload), validate the fields,
 * place the task in time, check the payload by its task type's class (if it has one), build the
 * spec (marked `payloadChecked` when a class checked the payload, so that the runner does not
 * check it again; the outside door passes types without classes, so its specs stay unmarked).
 * The first fault found is the reason.
 */
export function parseTask(input: ParseInput, options: ParseOptions): ParseResult {
  const message = checkShape(input.body);
  if (message instanceof Rejection) return rejected(message);
  const sent = readFields(message);
  const fields = validateFields(sent, options);
  if (fields instanceof Rejection) return rejected(fields);
  const dueMs = placeInTime(sent, fields, options);
  if (dueMs instanceof Rejection) return rejected(dueMs);
  const payload = checkPayload(fields, sent.payload);
  if (payload instanceof Rejection) return rejected(payload);
  const spec = buildSpec(fields, sent.payload, input.idSource ?? input.text, payload === 'checked');
  if (spec instanceof Rejection) return rejected(spec);
  return { ok: true, spec, dueMs };
}

/** The result leaves `id` out entirely when the rejection has none (not `id: undefined`). */
function rejected({ reason, id }: Rejection): ParseResult {
  return id === undefined ? { ok: false, reason } : { ok: false, reason, id };
}
