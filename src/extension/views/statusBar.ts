import * as vscode from 'vscode';

/** The status bar item while a run trains: method, epoch and speed; a click shows the trainer log. */
export class TrainingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'clusterlab.training',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor() {
    this.item.name = 'ClusterLab Training';
    this.item.command = 'clusterlab.showLog';
    this.item.tooltip = 'ClusterLab is training: click to show the trainer log';
  }

  /** `message` is the trainer's progress line ("epoch 3/40 · loss 4.21 · 850 img/s"). */
  show(method: string, message?: string): void {
    this.item.text = `$(sync~spin) ${method}${message ? ` · ${message}` : ''}`;
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
