// Every canned attacker payload, run from the attacker box of every strategy page (injected as a
// <script> element after the page's own code loaded), with its verdict — taken from the server's
// records of what reached the attacker's endpoint and which requests arrived authenticated —
// asserted against what the strategy promises.
import { expect, type Page, test } from '@playwright/test';
import { type Playground, startPlayground, strategies } from '../../../playground/server.mjs';
import { expected } from './expectations.js';

let pg: Playground;
test.beforeAll(async () => {
  pg = await startPlayground({ port: 0, quiet: true, strict: true });
});
test.afterAll(async () => {
  await pg?.close();
});

async function runPayload(page: Page, id: string): Promise<Record<string, string>> {
  await page.selectOption('#payload', id);
  await page.click('#btn-load');
  await page.click('#btn-attack');
  await expect(page.locator('#verdict dl')).toBeVisible({ timeout: 30_000 });
  const out: Record<string, string> = {};
  for (const key of ['readable', 'usable', 'autosent']) {
    out[key] = (await page.locator(`#verdict dd[data-verdict="${key}"]`).getAttribute('data-value')) ?? '';
    out[`${key}Text`] = (await page.locator(`#verdict dd[data-verdict="${key}"]`).textContent()) ?? '';
  }
  return out;
}

for (const s of strategies) {
  test(`${s.n}. ${s.id}: canned payloads get what the strategy promises, no more`, async ({ page }) => {
    test.setTimeout(120_000);
    expect(pg.availability.get(s.id), `${s.module} must build and load`).toEqual({
      available: true,
      reason: '',
    });
    const exp = expected[s.id]!;
    await page.goto(`${pg.url}/s/${s.id}/`);
    await page.click('#btn-login');
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ok');

    const reads: Record<string, string> = {};
    for (const p of ['read-storage', 'read-globals', 'patch-capture', 'exfiltrate']) {
      const v = await runPayload(page, p);
      reads[p] = v.readable!;
      // These payloads only read and send: no authenticated use, nothing sent by markup.
      expect(v.autosent).toBe('not');
    }
    if (s.id === 'signed') {
      // THREATS 32: the signed requests the fetch patch captured, replayed from the attacker's
      // server, are refused — for being replays, not for being malformed.
      await runPayload(page, 'patch-capture');
      await expect(page.locator('#attacker-output')).toContainText(
        'replayed a captured signed GET /api/signed/me — refused (401)',
      );
      await expect(page.locator('#events')).toContainText(
        'signature refused by sealed-session/signed/server (replay)',
      );
      await expect(page.locator('#events')).not.toContainText('(signature)');
    }
    if (exp.readable) {
      expect(reads[exp.leakedBy!], `${exp.leakedBy} should get the ${s.id} credential out`).toBe('yes');
    } else {
      expect(reads, `no payload may get a live ${s.id} credential out`).toEqual({
        'read-storage': 'no',
        'read-globals': 'no',
        'patch-capture': 'no',
        exfiltrate: 'no',
      });
    }
    // The patch-capture payload re-logged in through the page's button; the page still works.
    await page.click('#btn-request');
    await expect(page.locator('#status')).toHaveAttribute('data-state', 'ok');

    const use = await runPayload(page, 'use-credential');
    expect(use.usable).toBe(exp.usable ? 'yes' : 'no');
    if (!exp.readable) expect(use.usableText).not.toContain('stolen token');
    if (exp.readable) expect(use.usableText).toContain('stolen token');

    const csrf = await runPayload(page, 'csrf');
    expect(csrf.autosent).toBe(exp.autoSent ? 'yes' : 'no');
    // "Not sent automatically" only counts once the server saw every markup request arrive (the
    // payload's waits are upper bounds, not the evidence): the <img>, the same-site form post and
    // the cross-site one are each in the server's record, with or without a credential.
    expect(csrf.autosentText).toContain('<img>');
    expect(csrf.autosentText!.split('form post').length - 1, csrf.autosentText).toBe(2);
    // From another site (this server under its other loopback name), no strategy's credential
    // rides along: SameSite=Lax keeps the cookie off a cross-site POST.
    expect(csrf.autosentText).toContain('a cross-site form post arrived without a credential');

    // Whatever the attacker's script saw, the page never printed a credential.
    const shown = (await page.locator('main').textContent()) ?? '';
    expect(shown).not.toMatch(/ptk_[A-Za-z0-9_-]{43}/);
  });
}

test('a free-text attacker script runs as an injected <script>, and a syntax error is reported', async ({
  page,
}) => {
  await page.goto(`${pg.url}/s/localstorage/`);
  await page.locator('#attacker-code').fill("attacker.log('hello from ' + document.currentScript?.tagName);");
  await page.click('#btn-attack');
  await expect(page.locator('#attacker-output')).toContainText('hello from SCRIPT');
  await page.locator('#attacker-code').fill('this is not javascript (');
  await page.click('#btn-attack');
  await expect(page.locator('#attacker-output')).toContainText('script error');
});
