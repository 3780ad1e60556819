// `clusterlab doctor [--json]`: each compute backend, whether it starts here, and if not why and the fix.
import { checkBackends } from './backend/doctor.js';
import { NATIVE_PATH_ENV, nativeSearchRoots } from './backend/native.js';

export async function doctor(args: string[], out: NodeJS.WritableStream): Promise<number> {
  const json = args.includes('--json');
  const stray = args.filter((a) => a !== '--json');
  if (stray.length > 0) {
    process.stderr.write(`clusterlab doctor: unexpected argument '${stray[0]}' (only --json)\n`);
    return 2;
  }
  const list = await checkBackends();
  if (json) {
    out.write(JSON.stringify(list) + '\n');
    return 0;
  }
  out.write(
    `native packages are looked for in: ${nativeSearchRoots().join(', ')}${process.env[NATIVE_PATH_ENV] ? '' : ` (set ${NATIVE_PATH_ENV} or clusterlab.nativeBackendPath to add a folder)`}\n\n`,
  );
  for (const b of list) {
    out.write(
      `${b.available ? 'available  ' : 'unavailable'}  ${b.name.padEnd(14)} ${b.available ? b.detail : b.reason}\n`,
    );
    if (b.fix)
      out.write(
        b.fix
          .split('\n')
          .map((l) => `${' '.repeat(28)}${l}`)
          .join('\n') + '\n',
      );
  }
  const best = list.find((b) => b.available);
  out.write(`\nauto trains on: ${best ? best.name : 'nothing: no backend starts'}\n`);
  out.write(`${await (await import('./features/onnxModel.js')).onnxRuntimeStatus()}\n`);
  return best ? 0 : 1;
}
