// The interface language for the scripts that run before Python: the same choice as
// localloom.i18n.pick_language (the saved setting, else the browser's languages, else
// English) and the same .po catalogs, built into boot-messages.js.
import MESSAGES from './boot-messages.js';

export function uiLanguage() {
  let saved = '';
  try {
    saved = JSON.parse(localStorage.getItem('localloom:settings') || '{}').ui_language || '';
  } catch (err) { /* unreadable settings: the Python side reports them */ }
  if (saved === 'en' || saved in MESSAGES) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).split(/[-_]/)[0].toLowerCase();
    if (base === 'en' || base in MESSAGES) return base;
  }
  return 'en';
}

const table = MESSAGES[uiLanguage()] || {};
export const _ = (text) => table[text] || text;
