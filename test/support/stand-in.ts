/**
 * A stand-in passed where a `T` is declared, checked to have the members `K` of T that the code
 * under test calls (and nothing checks the others: a call to one fails the spec loudly).
 */
export function standIn<T, K extends keyof T>(part: Pick<T, K>): T {
  return part as T;
}
