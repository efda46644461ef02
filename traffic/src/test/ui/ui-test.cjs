// Drives the kscope traffic web UI in headless Debian chromium (playwright-core). Prints READY once the
// initial checks pass, then waits for a message the Java side injects, then prints OK. Any failure exits 1.
const { chromium } = require('playwright-core');
const assert = (cond, what) => { if (!cond) throw new Error('assertion failed: ' + what); };

(async () => {
  const url = process.argv[2];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('tr.msg').length === 3);
    const rows = await page.$$eval('tr.msg', trs => trs.map(tr => tr.innerText));
    assert(rows.some(r => r.includes('GET /api/orders') && r.includes('500')), 'the 500 row: ' + rows);
    assert(rows.some(r => r.includes('A shop.default.svc') && r.includes('NOERROR') && r.includes('kube-system/svc/kube-dns:53')), 'the DNS row: ' + rows);

    // Detail pane: headers, body preview, timing.
    await page.click('tr.msg:has-text("GET /api/orders")');
    await page.waitForSelector('#detail-summary');
    const detail = await page.innerText('#detail');
    assert(detail.includes('GET /api/orders'), 'detail summary');
    assert(detail.includes('x-request-id') && detail.includes('abc-123'), 'request header in detail: ' + detail);
    assert(detail.includes('database down'), 'response body preview in detail');
    assert(detail.includes('latency'), 'timing in detail');

    // Service map: client node, server node, an edge with its numbers.
    await page.waitForSelector('#map g.edge');
    const nodes = await page.$$eval('#map g.node', gs => gs.map(g => g.dataset.id));
    assert(nodes.includes('10.0.0.1') && nodes.includes('10.0.0.2:80'), 'map nodes: ' + nodes);
    assert(nodes.includes('kube-system/svc/kube-dns'), 'the service node: ' + nodes);
    assert(await page.$('#map g.node[data-id="kube-system/svc/kube-dns"] circle.service'), 'a service is drawn as one');
    const edges = await page.$$eval('#map g.edge text', ts => ts.map(t => t.textContent));
    assert(edges.some(e => e.startsWith('http 2 calls') && e.includes('err 50%')), 'map edge: ' + edges);

    // Filter box: a CEL filter, then a broken one (error with its column, rows untouched).
    await page.fill('#filter', 'http.status >= 500');
    await page.press('#filter', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr.msg').length === 1);
    await page.fill('#filter', 'http.status >= ');
    await page.click('#apply');
    await page.waitForFunction(() => document.getElementById('filter-error').textContent.includes('column'));
    assert((await page.$$('tr.msg')).length === 1, 'rows kept on a bad filter');
    await page.fill('#filter', '');
    await page.click('#apply');
    await page.waitForFunction(() => document.querySelectorAll('tr.msg').length === 3 && window.streamOpen);

    // Live stream: the Java side now adds a message; it must show up without reloading.
    console.log('READY');
    await page.waitForSelector('tr.msg:has-text("GET /live")', { timeout: 15000 });
    console.log('OK');
  } finally {
    await browser.close();
  }
})().catch(e => { console.error(e.stack || e); process.exit(1); });
