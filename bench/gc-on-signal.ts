// Preloaded into the daemon by bench/scale.ts (node --expose-gc -r): SIGUSR2 runs a full GC, so
// retained memory can be told from garbage V8 has not yet had a reason to collect.
process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
