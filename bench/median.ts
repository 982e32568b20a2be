// The median of the bench's repeated runs: the middle value (of an even count, the upper of the
// two middle ones), as bench/run.ts has always reported it.
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
