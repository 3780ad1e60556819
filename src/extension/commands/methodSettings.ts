/**
 * "Method settings…" of the train flow: every setting of the method from its spec, with its doc,
 * default and the paper's value, each changed through a pick (choices, true/false) or an input box
 * the spec validates, so the run cannot be refused for a setting after it is started.
 */
import * as vscode from 'vscode';
import { checkSetting, METHOD_SPECS, settingKind, type SettingSpec } from '../../common/methods/index.js';
import type { TrainConfig } from '../../protocol/run.js';

type Params = TrainConfig['params'];
type Item<T> = vscode.QuickPickItem & { value: T };

/** The settings after the user's changes (a setting set back to its default is dropped). */
export async function editMethodSettings(config: TrainConfig): Promise<Params> {
  const spec = METHOD_SPECS[config.method];
  let params = { ...config.params };
  for (;;) {
    const items: Item<string | undefined>[] = [
      { label: '$(arrow-left) Back', description: 'to the summary', value: undefined },
      ...Object.entries(spec.settings).map(([key, s]): Item<string> => ({
        label: `${key}: ${shownValue(s, params[key])}`,
        description: `${key in params ? 'changed · ' : ''}default ${s.derived ? s.derived : String(s.default)}`,
        detail: `${s.doc} — ${settingKind(s)}${s.unit ? ` (${s.unit})` : ''}${s.paper ? ` · ${departure(s.paper)}` : ''}`,
        value: key,
      })),
    ];
    const title = `${spec.label} settings: pick one to change`;
    const pick = await vscode.window.showQuickPick(items, {
      title,
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    if (!pick || pick.value === undefined) return params;
    const value = await askValue(config.method, pick.value, spec.settings[pick.value]!, params[pick.value]);
    if (value === undefined) continue;
    params = { ...params };
    if (value === 'default') delete params[pick.value];
    else params[pick.value] = value;
  }
}

function shownValue(s: SettingSpec, v: Params[string] | undefined): string {
  return v !== undefined ? String(v) : s.derived ? 'derived' : String(s.default);
}

/** The new value, 'default' to drop the setting, or undefined when the user backed out. */
async function askValue(
  method: TrainConfig['method'],
  key: string,
  s: SettingSpec,
  current: Params[string] | undefined,
): Promise<Params[string] | 'default' | undefined> {
  const spec = METHOD_SPECS[method];
  if (s.type === 'boolean' || s.type === 'choice') {
    const values = s.type === 'boolean' ? ['true', 'false'] : [...(s.choices ?? [])];
    const items = values.map((v): Item<string> => ({
      label: v,
      description: v === String(s.default) ? 'default' : undefined,
      picked: v === String(current ?? s.default),
      value: v,
    }));
    const pick = await vscode.window.showQuickPick(items, { title: `${key}: ${s.doc}` });
    if (!pick) return undefined;
    const r = checkSetting(spec, key, pick.value);
    return !r.ok ? undefined : r.value === s.default ? 'default' : r.value;
  }
  const text = await vscode.window.showInputBox({
    title: `${key} (${settingKind(s)}${s.unit ? `, ${s.unit}` : ''})`,
    prompt: s.derived ? `${s.doc}; empty: ${s.derived}` : s.doc,
    value: String(current ?? (s.derived ? '' : s.default)),
    ignoreFocusOut: true,
    validateInput: (v) => {
      if (s.derived && v.trim() === '') return undefined;
      const r = checkSetting(spec, key, v);
      return r.ok ? undefined : r.error;
    },
  });
  if (text === undefined) return undefined;
  if (text.trim() === '') return 'default';
  const r = checkSetting(spec, key, text);
  return !r.ok ? undefined : r.value === s.default && !s.derived ? 'default' : r.value;
}

/** Where the default departs from the paper, said in full (the README's departures list says the same). */
function departure(paper: { value: unknown; why: string }): string {
  return `departs from the paper's ${String(paper.value)}: ${paper.why.replace(/\s*\(README: departures\)$/, '')}`;
}
