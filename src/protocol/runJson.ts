/**
 * run.json as protocol: what the trainer (its only writer, RunFolder) may write and every reader
 * (src/common/runJson.ts) accepts, checked at run time on both sides as messages are (schema.ts).
 * Run folders travel between versions, so fields a later version adds are kept, unchecked.
 */
import { METHOD_NAMES } from '../common/methods/index.js';
import { RUN_STATUSES, type RunJson } from './run.js';
import { arr, int, lit, oneOf, opt, openObj, record, SchemaError, str, type Schema } from './schema.js';

const path = str(4096);
const reason = str(64 * 1024);
const scalar: Schema<number | string | boolean> = {
  parse: (v, p) => {
    if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string' || typeof v === 'boolean')
      return v;
    throw new SchemaError(`${p}: expected a number, string or boolean`);
  },
};

const fields = openObj({
  // Checked in this order: the first bad field is the one named.
  format: lit('clusterlab-run'),
  id: str(200),
  method: oneOf(...METHOD_NAMES),
  status: oneOf(...RUN_STATUSES),
  epoch: int(0),
  startedAt: str(100),
  // The settings' ranges are validateConfig's, checked when a run is resumed; here what readers use.
  config: openObj({
    method: oneOf(...METHOD_NAMES),
    data: path,
    epochs: int(),
    clusters: int(),
    params: record(str(200), scalar, 200),
  }),
  dataset: openObj({
    root: path,
    images: int(0),
    classes: arr(path),
    superClasses: arr(path),
    superOfClass: opt(arr(int(-1))),
  }),
  version: lit(1),
  backend: openObj({ name: str(100), threads: int(0), skipped: arr(openObj({ name: str(100), reason })) }),
  endedAt: opt(str(100)),
  error: opt(str(1024 * 1024)),
  skipped: opt(arr(openObj({ path, reason }))),
  experiment: opt(openObj({ file: path, entry: str(200) })),
});

/** The fields above are those any reader relies on; the rest of TrainConfig is validateConfig's. */
export const runJsonSchema: Schema<RunJson> = { parse: (v, p) => fields.parse(v, p) as RunJson };
