/**
 * The keys every editing page shares: Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z and Ctrl/Cmd+Y redo,
 * Escape clears the selection. Ignored while the user types in a text field.
 */
export function editKeys(send: (m: { type: 'undo' | 'redo' }) => void, clearSelection: () => boolean): void {
  document.addEventListener('keydown', (e) => {
    if (e.composedPath().some((t) => t instanceof HTMLElement && t.tagName === 'VSCODE-TEXTFIELD')) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z') send({ type: e.shiftKey ? 'redo' : 'undo' });
    else if (mod && e.key.toLowerCase() === 'y') send({ type: 'redo' });
    else if (!(e.key === 'Escape' && clearSelection())) return;
    e.preventDefault();
  });
}
