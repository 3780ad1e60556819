/**
 * The HTML shell of a webview page. The policy allows only our own bundle (by nonce) and files
 * from the webview's resource roots (by the webview's cspSource): no inline script, no eval, no
 * network. The tests load the same shell in Chromium with a local cspSource.
 */
import type { PageName } from './pages.js';

export interface PageAssets {
  page: PageName;
  title: string;
  /** The webview's `cspSource` (or the test server's origin). */
  cspSource: string;
  /** Fresh per page load; a guess cannot slip a script in. */
  nonce: string;
  scriptUri: string;
  styleUris: string[];
  codiconsUri: string;
  /** Where the page is shown: an editor tab, or a view in the side bar (which offers to open the tab). */
  place?: 'panel' | 'sidebar';
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function pageHtml(a: PageAssets): string {
  const csp = [
    "default-src 'none'",
    `img-src ${a.cspSource}`,
    `style-src ${a.cspSource} 'nonce-${a.nonce}'`,
    `font-src ${a.cspSource}`,
    `script-src 'nonce-${a.nonce}'`,
  ].join('; ');
  const styles = a.styleUris.map((u) => `<link rel="stylesheet" href="${escape(u)}">`).join('\n    ');
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta http-equiv="Content-Security-Policy" content="${escape(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escape(a.title)}</title>
    <link rel="stylesheet" href="${escape(a.codiconsUri)}" id="vscode-codicon-stylesheet">
    ${styles}
  </head>
  <body data-page="${a.page}" data-place="${a.place ?? 'panel'}">
    <main id="app" aria-busy="true"></main>
    <script type="module" nonce="${escape(a.nonce)}" src="${escape(a.scriptUri)}"></script>
  </body>
</html>
`;
}
