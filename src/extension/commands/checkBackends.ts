// ClusterLab: Check Compute Backends — the doctor's findings, with the fix (shown, and copied on request) for each backend that does not start.
import * as vscode from 'vscode';
import type { BackendStatus } from '../../protocol/server.js';
import type { Log } from '../trainingRuns.js';

/** One backend as a quick-pick row: available ones with their threads, the others with the reason. */
export function backendItem(b: BackendStatus): vscode.QuickPickItem & { status: BackendStatus } {
  return {
    label: `${b.available ? '$(pass-filled)' : '$(error)'} ${b.name}`,
    description: b.available ? `available · ${b.detail}` : 'unavailable',
    detail: b.available ? undefined : b.reason,
    status: b,
  };
}

/** The whole report as text, for the log: what the CLI's `clusterlab doctor` prints. */
export function backendReport(list: readonly BackendStatus[]): string {
  return list
    .map(
      (b) =>
        `${b.available ? 'available  ' : 'unavailable'}  ${b.name}: ${b.available ? b.detail : b.reason}${b.fix ? `\n    ${b.fix.split('\n').join('\n    ')}` : ''}`,
    )
    .join('\n');
}

export async function checkBackends(list: BackendStatus[], log: Log): Promise<void> {
  log.info(`compute backends:\n${backendReport(list)}`);
  const best = list.find((b) => b.available);
  const pick = await vscode.window.showQuickPick(list.map(backendItem), {
    title: `Compute backends: auto trains on ${best?.name ?? 'nothing'} (pick one that is unavailable to see its fix)`,
  });
  const fix = pick?.status.fix;
  if (!pick || !fix) return;
  // The commands themselves, to read before running them; copying is one click away.
  const copy = 'Copy Commands';
  const answer = await vscode.window.showInformationMessage(
    `${pick.status.name}: ${pick.status.reason}`,
    { modal: true, detail: `To fix it:\n\n${fix}` },
    copy,
  );
  if (answer === copy) await vscode.env.clipboard.writeText(fix);
}
