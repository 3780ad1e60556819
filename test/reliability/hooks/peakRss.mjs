// Test hook, loaded with `node --import`: prints the process's peak resident memory on exit, so a
// test can check that memory stayed bounded (a decompression bomb refused, not allocated).
process.on('exit', () => process.stderr.write(`peak RSS ${process.resourceUsage().maxRSS} kB\n`));
