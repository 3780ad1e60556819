// A feature model checked the way a run would open it, for the language server and `clusterlab run
// --check`: remembered per file state, so an experiment file's every keystroke does not reload it.
import { stampsKey } from '../../common/fileStamp.js';
import { extensionWords } from '../run/config.js';
import { sidecarPathOf } from './sidecar.js';
import { checkFeatureModel } from './modelEmbeddings.js';

const seen = new Map<string, string | undefined>();

/** The model's problem in one line (the extension's words), or undefined when it opens and its preprocessing resolves. */
export async function inspectFeatureModel(file: string): Promise<string | undefined> {
  const key = `${file}|${await stampsKey([file, sidecarPathOf(file)])}`;
  if (seen.has(key)) return seen.get(key);
  let problem: string | undefined;
  try {
    await checkFeatureModel(file);
  } catch (e) {
    problem = extensionWords(e);
  }
  seen.set(key, problem);
  return problem;
}
