import * as vscode from 'vscode';

/** Wires the extension's parts together; the parts themselves live in their own modules. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ClusterLab', { log: true });
  context.subscriptions.push(log, vscode.commands.registerCommand('clusterlab.showLog', () => log.show()));
  log.info('ClusterLab activated');
}

export function deactivate(): void {}
