import * as vscode from 'vscode';

/** Training, resuming and assigning need a trusted workspace: the trainer reads and decodes the folder's files. */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(
      'ClusterLab trains only in trusted workspaces: the trainer reads and decodes every image of the chosen folder. Trust this workspace to train.',
    );
    this.name = 'UntrustedWorkspaceError';
  }
}

export function assertTrusted(): void {
  if (!vscode.workspace.isTrusted) throw new UntrustedWorkspaceError();
}
