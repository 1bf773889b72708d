import { clear, h } from '../ui.js';

export async function render(el) {
  clear(el, h('p', { class: 'muted', text: 'Not built yet.' }));
}
