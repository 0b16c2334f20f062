// SPDX-License-Identifier: Apache-2.0
// The demo (demo/run.py) driven in headless Chromium, the way a newcomer
// clicks through it: sign in on the stand-in's hosted page, read the
// protected page, follow a deep link into another organisation's page
// (WorkOSAutoSwitchOrg), switch organisation, outlive an access token, hit
// a page the role forbids, open a project WorkOS FGA allows and one it
// refuses, sign out, sign up, and sign in from two tabs at once. Run with: node --test demo.test.mjs
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUT = join(HERE, 'out');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
// Seconds an access token lives: short, so the test sees a refresh. The
// module refreshes on the first request in a token's last 10 seconds (the
// demo's WorkOSRefreshBefore).
const TOKEN_LIFETIME = 15;
const REFRESH_BEFORE = 10;
const STEP_TIMEOUT = 60_000;

let demo; // { proc, output, exited }
let base; // http://127.0.0.1:PORT/
let profile;
let context;
let page;
let broken = false;

// demo/run.py on a free port, talking to the local stand-in for WorkOS.
function startDemo() {
  const env = { ...process.env, DEMO_PORT: '0',
    DEMO_TOKEN_LIFETIME: String(TOKEN_LIFETIME) };
  for (const v of ['WORKOS_CLIENT_ID', 'WORKOS_API_KEY',
    'WORKOS_COOKIE_PASSWORD', 'DEMO_KEEP']) delete env[v];
  const proc = spawn('/usr/bin/python3', [join(ROOT, 'demo', 'run.py')],
    { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const d = { proc, output: '', exited: null };
  d.exited = new Promise((res) => proc.on('exit', (code, sig) => res({ code, sig })));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      proc.kill('SIGTERM'); // it stops what it started
      rej(new Error(`the demo printed no URL within 60 s:\n${d.output}`));
    }, 60_000);
    const onData = (chunk) => {
      d.output += chunk;
      const m = /Open (http:\/\/127\.0\.0\.1:\d+\/) in your browser/.exec(d.output);
      if (m) { clearTimeout(timer); res({ demo: d, url: m[1] }); }
    };
    proc.stdout.setEncoding('utf8').on('data', onData);
    proc.stderr.setEncoding('utf8').on('data', onData);
    d.exited.then(({ code, sig }) => {
      clearTimeout(timer);
      rej(new Error(`the demo exited (${code ?? sig}):\n${d.output}`));
    });
  });
}

async function stopDemo(d) {
  if (!d) return;
  d.proc.kill('SIGTERM');
  let timer;
  const outcome = await Promise.race([d.exited,
    new Promise((res) => { timer = setTimeout(() => res(null), 30_000); })]);
  clearTimeout(timer);
  if (outcome === null) {
    d.proc.kill('SIGKILL');
    await d.exited;
    throw new Error('the demo did not stop on SIGTERM within 30 s');
  }
  assert.equal(outcome.code, 0, `the demo's exit:\n${d.output}`);
}

// Steps share one browser session: after a failure the rest are skipped.
function step(name, fn) {
  it(name, { timeout: STEP_TIMEOUT }, async (t) => {
    if (broken) { t.skip('an earlier step failed'); return; }
    try {
      await fn();
    } catch (err) {
      broken = true;
      if (page) {
        await page.screenshot({ path: join(OUT, 'failure.png'), fullPage: true })
          .catch(() => {});
        t.diagnostic(`failed at ${page.url()}; screenshot in out/failure.png`);
      }
      throw err;
    }
  });
}

async function cookie(name) {
  return (await context.cookies()).find((c) => c.name === name);
}

// The per-flow sign-in cookies, wos-auth-verifier-<hash of the state>.
async function verifiers() {
  return (await context.cookies()).filter(
    (c) => c.name.startsWith('wos-auth-verifier-'));
}

const text = async (sel) => (await page.locator(sel).textContent()).trim();

// Waits for the page (after a click that navigates) to show `words` in `sel`.
async function shows(sel, words) {
  await page.locator(sel, { hasText: words }).waitFor({ timeout: 15_000 });
}

// Loads `path` until `done()` holds, checking every half second.
async function pollPage(path, done, what, limitMs) {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const resp = await page.goto(base + path);
    assert.equal(resp.status(), 200, `${path} while waiting for ${what}`);
    if (await done()) return;
    if (Date.now() > deadline) assert.fail(`no ${what} within ${limitMs} ms`);
    await page.waitForTimeout(500);
  }
}

describe('the demo in headless Chromium', () => {
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    rmSync(join(OUT, 'failure.png'), { force: true });
    ({ demo, url: base } = await startDemo());
    profile = mkdtempSync(join(tmpdir(), 'wos-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
        '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1000, height: 900 },
    });
    page = context.pages()[0] || await context.newPage();
  });

  after(async () => {
    try {
      if (context) await context.close();
    } finally {
      if (profile) rmSync(profile, { recursive: true, force: true });
      await stopDemo(demo);
    }
  });

  step('the protected page sends a signed-out browser to sign in', async () => {
    const resp = await page.goto(base + 'app');
    assert.equal(resp.status(), 200);
    const at = new URL(page.url());
    assert.equal(at.pathname, '/user_management/authorize');
    assert.notEqual(at.origin + '/', base, 'sign-in is on the stand-in');
    assert.equal(await text('h1'), 'Sign in');
    await page.screenshot({ path: join(OUT, 'sign-in.png'), fullPage: true });
    const pending = await verifiers();
    assert.equal(pending.length, 1, 'one verifier cookie for this sign-in');
    assert.equal(pending[0].httpOnly, true);
  });

  step('picking a user, organisation and role signs in', async () => {
    await page.selectOption('#user', 'user_01BOB');
    await page.check('#org-org_01ACME');
    await page.selectOption('#role-org_01ACME', 'member');
    await page.selectOption('#role-org_01GLOBEX', 'member');
    await page.selectOption('#role-org_01INITECH', '');
    await page.click('#continue');
    await page.waitForURL(base + 'app');
    assert.equal(await text('h1'), 'Protected page');
    assert.equal(await text('#email'), 'bob@example.com');
    assert.equal(await text('#user-id'), 'user_01BOB');
    assert.match(await text('#org'), /Acme Corp \(org_01ACME\)/);
    assert.equal(await text('#role'), 'member');
    assert.equal(await text('#permissions'), 'posts:read');
    assert.match(await text('#session'), /^session_/);
    assert.match(await text('#token-id'), /^jti_/);
  });

  step('the session cookie is stored HttpOnly, SameSite=Lax, path /', async () => {
    const s = await cookie('wos-session');
    assert.ok(s, 'wos-session is set');
    assert.equal(s.httpOnly, true);
    assert.equal(s.sameSite, 'Lax');
    assert.equal(s.path, '/');
    assert.equal(s.domain, '127.0.0.1', 'host-only');
    assert.equal(s.secure, false, 'WorkOSCookieSecure Off on plain http');
    const days = (s.expires - Date.now() / 1000) / 86400;
    assert.ok(days > 399 && days <= 400, `Max-Age 400 days (got ${days})`);
    assert.match(s.value, /^Fe26\.2\*1\*/);
    assert.deepEqual(await verifiers(), [],
      'the verifier cookie is gone after the callback');
  });

  step('a screenshot of the protected page', async () => {
    const file = join(OUT, 'protected.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(statSync(file).size > 10_000, 'a real picture');
  });

  step('a deep link into another organisation switches there', async () => {
    const before = (await cookie('wos-session')).value;
    const resp = await page.goto(base + 'orgs/globex');
    assert.equal(resp.status(), 200, 'the page, not a 403 or a redirect');
    assert.equal(page.url(), base + 'orgs/globex');
    assert.equal(await text('#org'), 'org_01GLOBEX');
    assert.notEqual((await cookie('wos-session')).value, before,
      'the new session came with the page');
    await page.screenshot({ path: join(OUT, 'auto-switch.png'), fullPage: true });
    const no = await page.goto(base + 'orgs/initech');
    assert.equal(no.status(), 403, 'not a member of Initech');
    assert.equal(await text('h1'), 'Not your organisation');
    await page.goto(base + 'app');
    assert.match(await text('#org'), /org_01GLOBEX/, 'still in Globex');
  });

  step('switching organisation shows the new one', async () => {
    await page.goto(base + 'app');
    const sid = await text('#session');
    const before = (await cookie('wos-session')).value;
    await page.selectOption('#organization_id', 'org_01ACME');
    await page.click('#switch');
    await shows('#org', 'org_01ACME');
    assert.equal(page.url(), base + 'app', 'back where the form said');
    assert.match(await text('#org'), /Acme Corp \(org_01ACME\)/);
    assert.equal(await text('#role'), 'member');
    assert.equal(await text('#email'), 'bob@example.com');
    assert.equal(await text('#session'), sid, 'same session');
    assert.notEqual((await cookie('wos-session')).value, before,
      'a new cookie for the new organisation');
  });

  step('an expired access token is refreshed on the next page load', async () => {
    const sid = await text('#session');
    const token = await text('#token-id');
    const exp = Number(await page.locator('#expires-in').getAttribute('data-exp'));
    const before = (await cookie('wos-session')).value;
    const opens = exp - REFRESH_BEFORE; // when the refresh window opens
    const waitMs = Math.max(0, exp * 1000 - Date.now()) + 15_000;
    await pollPage('app', async () => (await text('#token-id')) !== token,
      'refreshed access token', waitMs);
    assert.ok(Date.now() / 1000 >= opens - 1,
      'refreshed only near expiry, not on every load');
    assert.equal(await text('#email'), 'bob@example.com');
    assert.match(await text('#org'), /org_01ACME/);
    assert.equal(await text('#session'), sid, 'a refresh keeps the session');
    const after = (await cookie('wos-session')).value;
    assert.notEqual(after, before, 'the refresh set a new wos-session cookie');
    const refreshed = await text('#token-id');
    const resp = await page.goto(base + 'app');
    assert.equal(resp.status(), 200, 'the next load works too');
    assert.equal(await text('#email'), 'bob@example.com');
    const now = await text('#token-id');
    const newExp = Number(await page.locator('#expires-in').getAttribute('data-exp'));
    if (Date.now() / 1000 < newExp - REFRESH_BEFORE - 1) {
      assert.equal(now, refreshed, 'no second refresh for a fresh token');
    }
  });

  step('the admin page is a friendly 403 for a member', async () => {
    const resp = await page.goto(base + 'admin');
    assert.equal(resp.status(), 403);
    assert.equal(page.url(), base + 'admin', 'no redirect: still signed in');
    assert.equal(await text('h1'), 'Not for your role');
    assert.match(await text('#forbidden'), /403 Forbidden/);
    assert.equal(await text('#role'), 'member');
    await page.screenshot({ path: join(OUT, 'forbidden.png'), fullPage: true });
  });

  step('the projects page: WorkOS FGA decides per project', async () => {
    await page.goto(base);
    await page.click('#projects-link');
    await page.waitForURL(base + 'app/projects');
    for (const name of ['apollo', 'gemini', 'mercury']) {
      assert.equal(await page.locator(`#project-${name}`).count(), 1, name);
    }
    // Bob views gemini (project-viewer there), not apollo (Alice's)
    await page.click('#project-gemini');
    await page.waitForURL(base + 'app/projects/gemini');
    assert.equal(await text('#project'), 'gemini');
    const resp = await page.goto(base + 'app/projects/apollo');
    assert.equal(resp.status(), 403);
    assert.equal(page.url(), base + 'app/projects/apollo',
      'no redirect: still signed in');
  });

  step('signing out ends the session', async () => {
    await page.goto(base);
    assert.match(await text('#who'), /Signed in as bob@example\.com/,
      'the public home page knows who is signed in');
    await page.click('#sign-out');
    await shows('#who', 'Not signed in');
    assert.equal(page.url(), base, 'WorkOSLogoutReturnTo: the home page');
    assert.equal(await cookie('wos-session'), undefined, 'cookie cleared');
    await page.goto(base + 'app');
    const at = new URL(page.url());
    assert.equal(at.pathname, '/user_management/authorize',
      'the protected page asks to sign in again');
    assert.equal(await text('h1'), 'Sign in');
  });

  step('the sign-up link opens the sign-up screen', async () => {
    await page.goto(base);
    await page.click('#sign-up');
    await page.locator('h1', { hasText: 'Create an account' })
      .waitFor({ timeout: 15_000 });
    assert.equal(new URL(page.url()).searchParams.get('screen_hint'),
      'sign-up');
    await page.screenshot({ path: join(OUT, 'sign-up.png'), fullPage: true });
    await page.selectOption('#user', 'user_01CAROL');
    await page.click('#continue');
    await page.waitForURL(base + 'app');
    assert.equal(await text('#email'), 'carol@example.com');
  });

  step('two tabs signing in at once both land where they started', async () => {
    const tabA = page;
    const tabB = await context.newPage();
    // (the sign-in the signed-out /app visit started is still pending)
    const pending = (await verifiers()).map((c) => c.name);
    // the sign-in loop guard counts every callback visit in 30 s; this
    // browser has just been through several sign-ins, as time passing
    // would, forget that count
    await context.clearCookies({ name: 'wos-signin-count' });
    try {
      await tabA.goto(base + 'login?return_to=/app');
      await tabB.goto(base + 'login?return_to=/orgs/globex');
      assert.equal(await tabA.locator('h1').textContent(), 'Sign in');
      assert.equal(await tabB.locator('h1').textContent(), 'Sign in');
      assert.equal((await verifiers()).length, pending.length + 2,
        'one cookie per tab');
      // the second tab finishes first
      await tabB.selectOption('#user', 'user_01ALICE');
      await tabB.check('#org-org_01GLOBEX');
      await tabB.click('#continue');
      await tabB.waitForURL(base + 'orgs/globex');
      assert.equal((await tabB.locator('#org').textContent()).trim(),
        'org_01GLOBEX');
      await tabA.selectOption('#user', 'user_01BOB');
      await tabA.check('#org-org_01ACME');
      await tabA.click('#continue');
      await tabA.waitForURL(base + 'app');
      assert.equal(await text('#email'), 'bob@example.com');
      assert.deepEqual((await verifiers()).map((c) => c.name), pending,
        'both flows used up, the older one left alone');
    } finally {
      await tabB.close();
    }
  });
});
