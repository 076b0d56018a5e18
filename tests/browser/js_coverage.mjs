// V8 coverage of the chat UI's scripts, collected from every page the browser
// tests open when ROOMCHAT_JS_COVERAGE_DIR is set (ctest sets it): each page's
// counts for the scripts served from web/ go to one JSON file there, and
// tests/js_coverage_report.mjs turns them into line coverage per file.
// Chromium only: playwright's page.coverage is the DevTools profiler.

import fs from 'node:fs';
import path from 'node:path';

const outputDir = process.env.ROOMCHAT_JS_COVERAGE_DIR;
let written = 0;

// The site is web/ copied as it is plus the wasm module (roomchat.js), which
// is wasm/'s and not counted here.
function isWebScript(url) {
  try {
    const { pathname } = new URL(url);
    return pathname.endsWith('.js') && !pathname.endsWith('/roomchat.js');
  } catch {
    return false;
  }
}

async function save(page) {
  let entries;
  try {
    entries = await page.coverage.stopJSCoverage();
  } catch {
    return; // the page or its browser is already gone: its counts with it
  }
  const scripts = entries
    .filter((entry) => isWebScript(entry.url))
    .map(({ url, source, functions }) => ({ path: new URL(url).pathname, source, functions }));
  if (scripts.length === 0) return;
  written += 1;
  fs.mkdirSync(outputDir, { recursive: true });
  fs.writeFileSync(path.join(outputDir, `page-${process.pid}-${written}.json`), JSON.stringify(scripts));
}

// Makes every page of `browser` (opened through browser.newContext().newPage())
// collect JS coverage until it, its context or the browser is closed.
// Without ROOMCHAT_JS_COVERAGE_DIR it does nothing.
export function collectJsCoverage(browser) {
  if (!outputDir) return browser;
  const open = new Set();
  const finish = (page) => (open.delete(page) ? save(page) : Promise.resolve());

  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    const newPage = context.newPage.bind(context);
    context.newPage = async () => {
      const page = await newPage();
      await page.coverage.startJSCoverage({ resetOnNavigation: false });
      open.add(page);
      const closePage = page.close.bind(page);
      page.close = async (options) => {
        await finish(page);
        return closePage(options);
      };
      return page;
    };
    const closeContext = context.close.bind(context);
    context.close = async (options) => {
      await Promise.all(context.pages().map(finish));
      return closeContext(options);
    };
    return context;
  };
  const closeBrowser = browser.close.bind(browser);
  browser.close = async (options) => {
    await Promise.all([...open].map(finish));
    return closeBrowser(options);
  };
  return browser;
}
