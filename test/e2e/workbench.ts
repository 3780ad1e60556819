// Drives the VS Code workbench in Debian's Chromium the way a person does: keyboard, command
// palette, quick picks, clicks; reads webview content from inside their iframes; screenshots.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Frame, type Locator, type Page } from 'playwright-core';

/** Flags that work on this network-less machine (without them Chromium keeps dialing out). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const inside = (x: number, y: number, r: { x: number; y: number; width: number; height: number }) =>
  x >= r.x && x <= r.x + r.width && y >= r.y && y <= r.y + r.height;
const exactly = (text: string) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

export class Workbench {
  private shots = 0;

  /** The browser's errors, warnings and failed requests, from the workbench and every webview in it. */
  private readonly browserLog: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
    private readonly shotsDir: string,
  ) {
    const note = (line: string) => {
      this.browserLog.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
      if (this.browserLog.length > 200) this.browserLog.shift();
    };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') note(`${m.type()}: ${m.text().slice(0, 300)}`);
    });
    page.on('pageerror', (e) => note(`uncaught: ${e.message.slice(0, 300)}`));
    page.on('requestfailed', (r) =>
      note(`request failed: ${r.url().slice(0, 200)} (${r.failure()?.errorText})`),
    );
  }

  /** The last lines of the browser's log (see browserLog): why a page may have stayed blank. */
  browserLogTail(lines = 25): string {
    return this.browserLog.slice(-lines).join('\n');
  }

  /** Opens the workbench at `url` and waits until it is drawn and its extension host is up. */
  static async open(url: string, shotsDir: string): Promise<Workbench> {
    mkdirSync(shotsDir, { recursive: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const wb = new Workbench(browser, page, shotsDir);
    try {
      // Loaded (several test suites on 2 cores), the workbench page took over 30 s to load.
      await page.goto(url, { timeout: 120_000 });
      await wb.ready();
    } catch (e) {
      // Nobody else holds the browser yet: left open, it kept the test process alive.
      await browser.close();
      throw e;
    }
    return wb;
  }

  /** The workbench is drawn and its status bar shows the folder's remote connection. */
  async ready(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.statusbar').waitFor({ timeout: 60_000 });
  }

  /**
   * Runs a command by its palette title, e.g. "ClusterLab: Show Trainer Log". The palette lists
   * an extension's commands only once the extension host has registered them, and an open
   * palette does not refresh: like a person, close it and look again.
   */
  async command(title: string, timeout = 60_000): Promise<void> {
    const deadline = Date.now() + timeout;
    const input = this.quickInput().locator('.quick-input-box input');
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the command palette has no "${title}" after ${timeout} ms`);
      // A quick input still closing (the last command's) would take F1 as a key of its own.
      if (await this.quickInput().isVisible()) await this.page.keyboard.press('Escape');
      await this.quickInput().waitFor({ state: 'hidden' });
      await this.page.keyboard.press('F1');
      if (
        !(await input.waitFor({ timeout: 3000 }).then(
          () => true,
          () => false,
        ))
      )
        continue;
      // The palette can close between these steps (a webview taking focus as it finishes
      // loading closes it): each step is bounded, and a closed palette is opened again.
      const typed = await input.fill(`>${title}`, { timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (!typed) continue;
      const row = this.quickPickItem(title);
      const clicked = await row.click({ timeout: 3000 }).then(
        () => true,
        () => false,
      );
      if (clicked) return;
    }
  }

  /** Chooses the item labelled `label` (a string must match exactly) in the open quick pick. */
  async pick(label: string | RegExp): Promise<void> {
    const row = this.quickPickItem(label);
    await row.waitFor({ timeout: 30_000 });
    await row.click();
  }

  /**
   * Chooses `label` in the open quick pick until `next` shows. A click that lands while the list
   * redraws (as it does when a step comes back to it) can be dropped: like a person, click again
   * while the item is still there.
   */
  async pickUntil(label: string | RegExp, next: Locator, timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.pick(label);
      try {
        return await next.waitFor({ timeout: 5_000 });
      } catch (e) {
        if (Date.now() > deadline) throw e;
        if (!(await this.quickPickItem(label).isVisible()))
          return await next.waitFor({ timeout: Math.max(deadline - Date.now(), 1) });
      }
    }
  }

  /** The open quick input's message (an input box's prompt) containing `text`. */
  prompt(text: string): Locator {
    return this.quickInput().locator('.quick-input-message', { hasText: text });
  }

  /** The open quick pick's row labelled `label`. */
  quickPickItem(label: string | RegExp): Locator {
    return this.quickInput()
      .locator('.quick-input-list .monaco-list-row')
      .filter({
        has: this.page.locator('.label-name', {
          hasText: typeof label === 'string' ? exactly(label) : label,
        }),
      })
      .first();
  }

  /** Waits for the input box that says `prompt`, types `text` into it and accepts it. */
  async answer(prompt: string, text: string): Promise<void> {
    await this.prompt(prompt).waitFor();
    const input = this.quickInput().locator('.quick-input-box input');
    await input.fill(text);
    await input.press('Enter');
  }

  /** The quick input widget while it is shown. */
  quickInput(): Locator {
    return this.page.locator('.quick-input-widget:visible');
  }

  /** A notification toast whose text matches `text`. */
  notification(text: RegExp): Locator {
    return this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text });
  }

  /**
   * Shows a view container of the activity bar (e.g. "ClusterLab") in the side bar. Its icon
   * toggles the side bar, and a window that is still restoring its layout may show the container
   * a moment later: look at the side bar's title before each click.
   */
  async openSideBar(title: string, timeout = 30_000): Promise<void> {
    const heading = this.page.locator('.part.sidebar .composite.title .title-label h2', {
      hasText: new RegExp(`^${title}$`, 'i'),
    });
    const icon = this.page.locator(`.activitybar .action-item .action-label[aria-label^="${title}"]`);
    const deadline = Date.now() + timeout;
    while (!(await heading.isVisible())) {
      if (Date.now() > deadline) throw new Error(`the side bar does not show ${title}`);
      await icon.click();
      await heading.waitFor({ timeout: 2000 }).catch(() => undefined);
    }
  }

  /** The row labelled exactly `label` in the tree of the side bar view titled `view`. */
  treeRow(view: string, label: string | RegExp): Locator {
    return this.page
      .locator('.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header .title', { hasText: exactly(view) }) })
      .locator('.monaco-list-row')
      .filter({
        has: this.page.locator('.label-name', {
          hasText: typeof label === 'string' ? exactly(label) : label,
        }),
      });
  }

  /**
   * Right-clicks `target` and chooses `item` from its context menu. A menu shows its items'
   * enablement as of its opening, and a window that just (re)loaded sets context keys such as
   * isWorkspaceTrusted a moment later; and the workbench closes an open menu when something
   * takes the focus or redraws under it. Like a person: while `item` is disabled or the menu
   * went away, close it and look again.
   */
  async contextMenu(target: Locator, item: string, timeout = 30_000): Promise<void> {
    const entry = this.page
      .locator('.monaco-menu .action-item')
      .filter({ has: this.page.locator('.action-label', { hasText: exactly(item) }) })
      .first();
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        await target.click({ button: 'right' });
        await entry.waitFor({ timeout: 5_000 });
        if (!(await entry.evaluate((e) => e.classList.contains('disabled')))) {
          // The menu ignores a mouse-up that comes right after it opened (the right-click's
          // own), so a fast click may be lost: point at the item, which focuses it, and press Enter.
          await entry.hover({ timeout: 5_000 });
          await this.page.keyboard.press('Enter');
          await entry.waitFor({ state: 'detached' });
          return;
        }
        if (Date.now() > deadline)
          throw new Error(`the context menu's "${item}" stayed disabled for ${timeout} ms`);
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
      await this.page.keyboard.press('Escape');
      await this.page.waitForTimeout(500);
    }
  }

  /** The editor tab titled `title`. */
  tab(title: string): Locator {
    return this.page
      .locator('.tabs-container .tab')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) });
  }

  /**
   * The frame (inside a webview's nested iframes) that holds `selector`, once one does; with
   * `part`, only among the webviews drawn over that part of the workbench (the same page may be
   * open both as an editor tab and as a side bar view).
   */
  async webview(selector: string, timeout = 30_000, part?: 'editor' | 'sidebar'): Promise<Frame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const area = part && (await this.page.locator(`.part.${part}`).boundingBox());
      for (const frame of this.page.frames()) {
        if (
          frame === this.page.mainFrame() ||
          !(await frame
            .locator(selector)
            .count()
            .catch(() => 0))
        )
          continue;
        if (!part) return frame;
        let outer = frame;
        while (outer.parentFrame() && outer.parentFrame() !== this.page.mainFrame())
          outer = outer.parentFrame()!;
        const box = await (await outer.frameElement()).boundingBox();
        if (area && box && box.width > 0 && inside(box.x + box.width / 2, box.y + box.height / 2, area))
          return frame;
      }
      if (Date.now() > deadline)
        throw new Error(
          `no webview${part ? ` over the ${part}` : ''} shows ${selector} within ${timeout} ms`,
        );
      await this.page.waitForTimeout(250);
    }
  }

  /** Saves a screenshot of the whole window as NN-name.png; returns its path. */
  async shot(name: string): Promise<string> {
    const path = join(this.shotsDir, `${String(++this.shots).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async reload(): Promise<void> {
    await this.page.reload();
    await this.ready();
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}
