import { closestName } from './closest-name';

describe('closestName', () => {
  const names = ['DELAYTASK_CONCURRENCY', 'DELAYTASK_LEASE_MS', 'DELAYTASK_PREFIX', 'REDIS_URL'];

  it.each([
    ['DELAYTASK_CONCURENCY', 'DELAYTASK_CONCURRENCY'], // a letter left out
    ['DELAYTASK_LAESE_MS', 'DELAYTASK_LEASE_MS'], // two letters swapped
    ['DELAYTASK_PREFIXES', 'DELAYTASK_PREFIX'], // letters added
    ['REDIS_URI', 'REDIS_URL'], // a letter changed
  ])('takes %s for %s', (typo, meant) => {
    expect(closestName(typo, names)).toBe(meant);
  });
});
