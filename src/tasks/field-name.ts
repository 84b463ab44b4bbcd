/**
 * Field names as the seed reads them: Go's `encoding/json` matches a JSON key to a struct field
 * exactly when it can and otherwise without regard to case, so `url` and `toRunAt` are the seed's
 * `Url` and `ToRunAt`.
 */

/** The case-folded form two names share when they match without regard to case. */
export function foldName(name: string): string {
  // Upper then lower: folds ſ to s and K (Kelvin) to k, as Go's case folding does.
  return name.toUpperCase().toLowerCase();
}

/**
 * The key of `record` that stands for the field `name`: the exact key when present, else the last
 * key (in the record's order, as the last one wins in Go) whose folded form matches.
 */
export function keyFor(
  record: Readonly<Record<string, unknown>>,
  name: string,
): string | undefined {
  if (Object.prototype.hasOwnProperty.call(record, name)) return name;
  const folded = foldName(name);
  let found: string | undefined;
  for (const key of Object.keys(record)) if (foldName(key) === folded) found = key;
  return found;
}

/** The value of the field `name` in `record`, matched as `keyFor` does. */
export function fieldValue(record: Readonly<Record<string, unknown>>, name: string): unknown {
  const key = keyFor(record, name);
  return key === undefined ? undefined : record[key];
}
