/**
 * The frame the confusion and charts pages share: a top bar with the run picker, a notice, a
 * content area redrawn when its width changes, and the connection to the host.
 */
import type { Schema } from '../../src/protocol/schema.js';
import { h } from './dom.js';
import { connect } from './host.js';
import { banner, runPicker, type RunPicker } from './runPicker.js';

export interface Frame<Out> {
  send(message: Out): void;
  picker: RunPicker;
  notice: ReturnType<typeof banner>;
  content: HTMLElement;
}

export function pageFrame<Out extends { type: string }, In>(
  incoming: Schema<In>,
  contentClass: string,
  draw: (state: In) => void,
): Frame<Out> {
  let state: In | undefined;
  const host = connect<Out, In>(incoming, (m) => {
    state = m;
    draw(m);
  });
  const picker = runPicker((dir) => host.send({ type: 'selectRun', dir } as unknown as Out));
  const notice = banner();
  const content = h('div', { class: contentClass });
  document
    .getElementById('app')!
    .replaceChildren(h('div', { class: 'top-bar' }, picker.el), notice.el, content);
  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(content.clientWidth - lastWidth) < 8) return;
    lastWidth = content.clientWidth;
    if (state !== undefined) draw(state);
  }).observe(content);
  return { send: host.send, picker, notice, content };
}
