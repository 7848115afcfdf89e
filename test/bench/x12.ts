import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { purchaseOrder, readInterchanges } from '@switchyard/connector-x12';

const MB = 1024 * 1024;
const SETS_PER_INTERCHANGE = 50;
const NODE_X12_SLICE = 10 * MB;
/** Read in chunks of 64 KiB, as Node streams files by default: bigger chunks only make bigger strings to hold. */
const CHUNK = 64 * 1024;
const CHILD = '--x12-bench-child';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** mulberry32: a small seeded generator, so every run writes the same file. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const cents = (c: number) => `${Math.floor(c / 100)}.${pad(c % 100, 2)}`;

const CITIES = [
  ['SPRINGFIELD', 'IL', '62701'],
  ['SOLON', 'OH', '44139'],
  ['SAN DIEGO', 'CA', '92121'],
  ['AUSTIN', 'TX', '78701'],
  ['PORTLAND', 'OR', '97201'],
  ['ATLANTA', 'GA', '30303'],
] as const;
const ITEMS = ['WIDGET', 'GADGET', 'SPROCKET', 'FLANGE', 'BRACKET', 'GASKET', 'HINGE', 'VALVE'];
const COLOURS = ['BLUE', 'RED', 'BLACK', 'STEEL', 'ORANGE', 'WHITE'];

interface Generated {
  bytes: number;
  interchanges: number;
  sets: number;
  lines: number;
  segments: number;
  /** Byte offset just past the last interchange that ends within the node-x12 slice. */
  sliceBytes: number;
  sliceSets: number;
}

/**
 * Writes at least `minBytes` of valid 004010 850s: interchanges of SETS_PER_INTERCHANGE purchase orders, each
 * with its ship-to, terms, dates, routing and 20–200 PO1/PID/PO4 lines, CTT and AMT (the lines' total).
 * Written one set at a time through the stream, waiting on drain, so the file is never held in memory.
 */
export async function generate(path: string, minBytes: number, seed = 850): Promise<Generated> {
  const rnd = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const out = createWriteStream(path);
  const g: Generated = {
    bytes: 0,
    interchanges: 0,
    sets: 0,
    lines: 0,
    segments: 0,
    sliceBytes: 0,
    sliceSets: 0,
  };
  const write = async (text: string) => {
    g.bytes += text.length; // ASCII only: characters are bytes
    if (!out.write(text)) await once(out, 'drain');
  };
  while (g.bytes < minBytes) {
    const n = g.interchanges + 1;
    const control = pad(n, 9);
    const day = pad((n % 28) + 1, 2);
    const time = `${pad(n % 24, 2)}${pad(n % 60, 2)}`;
    let head =
      `ISA*00*          *00*          *ZZ*${'BUYERCO'.padEnd(15)}*ZZ*${'SWITCHYARD'.padEnd(15)}` +
      `*2604${day}*${time}*U*00401*${control}*0*P*>~\n` +
      `GS*PO*BUYERCO*SWITCHYARD*202604${day}*${time}*${n}*X*004010~\n`;
    for (let s = 1; s <= SETS_PER_INTERCHANGE; s++) {
      const st = pad(s, 4);
      const po = `PO${pad(n, 6)}${pad(s, 3)}`;
      const [city, region, zip] = pick(CITIES);
      const store = pad(int(1, 9999), 4);
      const segs = [
        `ST*850*${st}`,
        `BEG*00*SA*${po}**202604${day}`,
        `REF*DP*${pad(int(1, 999), 3)}`,
        `REF*IA*V${pad(int(1, 99999), 5)}`,
        `ITD*14*3*2**30**60*****2% 30 NET 60`,
        `DTM*010*202605${pad(int(1, 28), 2)}`,
        `DTM*001*202606${pad(int(1, 28), 2)}`,
        `TD5*B*2*UPSN*M*UPS GROUND`,
        `N1*ST*STORE ${store}*92*${store}`,
        `N3*${int(1, 9999)} MAIN ST*SUITE ${int(1, 500)}`,
        `N4*${city}*${region}*${zip}*US`,
      ];
      const lineCount = int(20, 200);
      let total = 0;
      for (let l = 1; l <= lineCount; l++) {
        const qty = int(1, 500);
        const price = int(100, 99_999);
        total += qty * price;
        const item = `${pick(COLOURS)} ${pick(ITEMS)} ${int(1, 99)}`;
        segs.push(
          `PO1*${l}*${qty}*EA*${cents(price)}**VN*VP-${pad(int(1, 999_999), 6)}*UP*0${pad(int(0, 99_999_999_999), 11)}`,
          `PID*F****${item}`,
          `PO4*${int(1, 24)}*${int(1, 12)}*EA`,
        );
      }
      segs.push(`CTT*${lineCount}`, `AMT*TT*${cents(total)}`);
      segs.push(`SE*${segs.length + 1}*${st}`);
      g.sets++;
      g.lines += lineCount;
      g.segments += segs.length;
      await write(`${head}${segs.join('~\n')}~\n`);
      head = '';
    }
    await write(`GE*${SETS_PER_INTERCHANGE}*${n}~\nIEA*1*${control}~\n`);
    g.segments += 4;
    g.interchanges++;
    if (g.bytes <= NODE_X12_SLICE) {
      g.sliceBytes = g.bytes;
      g.sliceSets = g.sets;
    }
  }
  out.end();
  await once(out, 'close');
  return g;
}

/**
 * Peak RSS while `run` goes: process.memoryUsage().rss sampled every 50 ms (a timer only fires between chunks),
 * and the kernel's high-water mark for the process.
 */
async function measured<T>(run: () => Promise<T>) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const start = performance.now();
  try {
    const value = await run();
    const seconds = (performance.now() - start) / 1000;
    peak = Math.max(peak, process.memoryUsage().rss);
    return {
      value,
      seconds,
      rssBeforeMB: before / MB,
      peakRssMB: peak / MB,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** Our streaming read, validation (850s deeply) and normalization of every 850, counted and checked. */
async function ours(path: string) {
  const counts = { interchanges: 0, sets: 0, accepted: 0, orders: 0, lines: 0 };
  const failures: string[] = [];
  const fail = (why: string) => {
    if (failures.length < 5) failures.push(why);
  };
  const result = await readInterchanges(createReadStream(path, { highWaterMark: CHUNK }), {
    keep: (type) => type === '850',
    collect: false,
    onSet(set, group) {
      counts.sets++;
      if (set.status !== 'A') {
        fail(
          `set ${set.control} of group ${group.control}: ${[...set.problems, ...set.errors.map((e) => e.message)].slice(0, 3).join('; ')}`,
        );
        return;
      }
      counts.accepted++;
      const po = purchaseOrder(set.segments ?? [], {
        groupDate: group.date,
        groupTime: group.time,
        setControl: set.control,
      });
      if (po.problems.length) {
        fail(`PO ${po.order.externalNumber}: ${po.problems.slice(0, 3).join('; ')}`);
        return;
      }
      counts.orders++;
      counts.lines += po.order.lines.length;
    },
    onInterchange(ic) {
      counts.interchanges++;
      if (ic.ta1 || ic.problems.length) fail(`interchange ${ic.control}: ${ic.problems.join('; ')}`);
      for (const group of ic.groups) {
        if (group.status !== 'A') fail(`group ${group.control}: ${group.problems.join('; ')}`);
      }
    },
  });
  for (const problem of result.problems.slice(0, 5)) fail(problem);
  return { ...counts, failures };
}

/** Resident memory of a process (VmRSS) and its high-water mark (VmHWM), in MB; undefined once it is gone. */
function procRss(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

type OursRun = Awaited<ReturnType<typeof measured<Awaited<ReturnType<typeof ours>>>>>;

/**
 * Our run in its own process (this file as its entry, through tsx like the hub), so its memory is the
 * pipeline's own and not that of every benchmark run.ts imports; its RSS is also read from /proc every 50 ms.
 */
async function oursInChild(path: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD, path], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let hwm = 0;
  const sampler = setInterval(() => {
    hwm = Math.max(hwm, procRss(child.pid!)?.hwm ?? 0);
  }, 50);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearInterval(sampler);
  if (code !== 0) throw new Error(`x12 bench: our run failed (${code}): ${stderr.slice(0, 2000)}`);
  return { ...(JSON.parse(stdout) as OursRun), procPeakRssMB: hwm };
}

/** The floor: decoding the same stream and counting segment terminators. */
async function baseline(path: string) {
  const decoder = new TextDecoder();
  let segments = 0;
  const count = (text: string) => {
    for (let at = text.indexOf('~'); at >= 0; at = text.indexOf('~', at + 1)) segments++;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    count(decoder.decode(chunk as Buffer, { stream: true }));
  }
  count(decoder.decode());
  return segments;
}

/**
 * node-x12 on the first `bytes` of the file (whole interchanges), in a child process so its memory is its own:
 * the parse's wall time, the heap it holds once done (heapUsed after minus before, both after a GC), and the
 * child's RSS growth and high-water mark.
 */
async function nodeX12(path: string, bytes: number, strict: boolean) {
  const modulePath = createRequire(import.meta.url).resolve('node-x12');
  const script = `
    const fs = require('node:fs');
    const { X12Parser } = require(process.env.NODE_X12_MODULE);
    const buf = Buffer.alloc(Number(process.env.SLICE_BYTES));
    const fd = fs.openSync(process.env.SLICE_PATH, 'r');
    fs.readSync(fd, buf, 0, buf.length, 0);
    fs.closeSync(fd);
    let text = buf.toString('utf8');
    global.gc();
    const heap0 = process.memoryUsage().heapUsed;
    const rss0 = process.memoryUsage().rss;
    const out = { strict: process.env.STRICT === '1' };
    const start = performance.now();
    try {
      const parsed = new X12Parser(out.strict).parse(text);
      out.seconds = (performance.now() - start) / 1000;
      globalThis.keep = parsed;
      const ics = parsed.interchanges ?? [parsed];
      out.interchanges = ics.length;
      out.groups = ics.reduce((n, ic) => n + ic.functionalGroups.length, 0);
      out.sets = ics.reduce((n, ic) => n + ic.functionalGroups.reduce((m, g) => m + g.transactions.length, 0), 0);
      global.gc();
      out.heapMB = (process.memoryUsage().heapUsed - heap0) / 1048576;
      out.rssGrowthMB = (process.memoryUsage().rss - rss0) / 1048576;
    } catch (error) {
      out.seconds = (performance.now() - start) / 1000;
      out.error = String(error && error.stack ? error.stack.split('\\n').slice(0, 3).join(' | ') : error);
    }
    out.peakRssMB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(JSON.stringify(out));
  `;
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=4096', '-e', script], {
    env: {
      ...process.env,
      NODE_X12_MODULE: modulePath,
      SLICE_PATH: path,
      SLICE_BYTES: String(bytes),
      STRICT: strict ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || !stdout)
    return { strict, error: `the node-x12 child exited ${code}: ${stderr.slice(0, 500)}` };
  const r = JSON.parse(stdout) as {
    strict: boolean;
    seconds: number;
    interchanges?: number;
    groups?: number;
    sets?: number;
    heapMB?: number;
    rssGrowthMB?: number;
    peakRssMB: number;
    error?: string;
  };
  const round = (n: number | undefined, d = 1) => (n === undefined ? undefined : Number(n.toFixed(d)));
  return {
    strict,
    seconds: round(r.seconds, 2),
    ...(r.error
      ? { error: r.error }
      : {
          mbPerSecond: round(bytes / MB / r.seconds),
          interchanges: r.interchanges,
          groups: r.groups,
          sets: r.sets,
          heapMB: round(r.heapMB),
          rssGrowthMB: round(r.rssGrowthMB),
        }),
    peakRssMB: round(r.peakRssMB),
  };
}

/**
 * The X12 inbound path at volume: a generated file of `mb` MB of 850s (BENCH_X12_MB) read as a stream through
 * our tokenizer, envelope and deep 850 validation, and normalized to canonical orders one set at a time. Its
 * peak RSS must not grow with the file. The baseline is the same stream decoded and its terminators counted;
 * node-x12 parses a 10 MB slice (whole interchanges) in a child process, after our run.
 */
export async function x12Bench(mb = 100) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-x12-bench-'));
  const path = join(dir, '850s.edi');
  try {
    const gen = await generate(path, mb * MB);
    const fileBytes = statSync(path).size;
    if (fileBytes !== gen.bytes) throw new Error(`generated ${gen.bytes} bytes, the file has ${fileBytes}`);
    const fileMB = fileBytes / MB;

    const run = await oursInChild(path);
    const got = run.value;
    const expected = { interchanges: gen.interchanges, sets: gen.sets, orders: gen.sets, lines: gen.lines };
    const wrong = (Object.keys(expected) as (keyof typeof expected)[]).filter((k) => got[k] !== expected[k]);
    if (got.failures.length || wrong.length || got.accepted !== gen.sets) {
      throw new Error(
        `x12 bench: the read does not match what was generated: ${wrong.map((k) => `${k} ${got[k]} (expected ${expected[k]})`).join(', ')}; accepted ${got.accepted} of ${gen.sets}; ${got.failures.join(' | ')}`,
      );
    }
    const mbPerSecond = fileMB / run.seconds;

    // Best of two: the first pass also pays for warming up the loop and the decoder.
    let baselineMbPerSecond = 0;
    let terminators = 0;
    for (let pass = 0; pass < 2; pass++) {
      const start = performance.now();
      terminators = await baseline(path);
      baselineMbPerSecond = Math.max(baselineMbPerSecond, fileMB / ((performance.now() - start) / 1000));
    }
    if (terminators !== gen.segments) {
      throw new Error(
        `the baseline counted ${terminators} terminators; ${gen.segments} segments were written`,
      );
    }

    const strict = await nodeX12(path, gen.sliceBytes, true);
    const loose = await nodeX12(path, gen.sliceBytes, false);
    // Against the faster of node-x12's two modes.
    const rates = [strict, loose].map((r) => ('mbPerSecond' in r ? r.mbPerSecond : undefined) ?? 0);
    const nodeX12MbPerSecond = Math.max(...rates) || undefined;
    const round = (n: number, d = 1) => Number(n.toFixed(d));
    const peakRssMB = Math.max(run.peakRssMB, run.maxRssMB, run.procPeakRssMB);
    return {
      fileMB: round(fileMB),
      interchanges: got.interchanges,
      sets: got.sets,
      accepted: got.accepted,
      orders: got.orders,
      lines: got.lines,
      segments: gen.segments,
      ours: {
        seconds: round(run.seconds, 2),
        mbPerSecond: round(mbPerSecond),
        peakRssMB: round(peakRssMB),
        sampledPeakRssMB: round(run.peakRssMB),
        maxRssMB: round(run.maxRssMB),
        procPeakRssMB: round(run.procPeakRssMB),
        rssBeforeMB: round(run.rssBeforeMB),
      },
      baseline: { mbPerSecond: round(baselineMbPerSecond) },
      ratioToBaseline: round(mbPerSecond / baselineMbPerSecond, 3),
      nodeX12: {
        sliceMB: round(gen.sliceBytes / MB, 2),
        sliceSets: gen.sliceSets,
        ...strict,
        nonStrict: loose,
      },
      speedupOverNodeX12: nodeX12MbPerSecond ? round(mbPerSecond / nodeX12MbPerSecond, 2) : null,
      targets: { mbPerSecond: 50, peakRssMB: 200 },
      met: { mbPerSecond: mbPerSecond >= 50, peakRssMB: peakRssMB <= 200 },
      note: 'ours: wall time of the streaming read + deep 850 validation + purchaseOrder for every set, in a child process run through tsx as the hub is; peak RSS is the largest of its rss sampled every 50 ms, its maxRSS and its VmHWM read from /proc (the whole process, tsx and the connector loaded: rssBeforeMB); baseline: best of two passes; node-x12 in a child process on the first whole interchanges within 10 MB, heapMB the heap it holds after the parse (after a GC)',
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The child side of oursInChild: `node --import tsx test/bench/x12.ts --x12-bench-child <file>`.
if (process.argv[2] === CHILD && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const run = await measured(() => ours(process.argv[3]!));
  process.stdout.write(JSON.stringify(run));
}
