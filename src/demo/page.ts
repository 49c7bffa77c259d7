/**
 * The demo's local page (`demo --keep`): the perimeter report of the estate as it is now, the alert
 * cards as Teams renders them (the official `adaptivecards` renderer, served from the package), and
 * the email inbox. Served on 127.0.0.1 only.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { escapeHtml } from "../report/escape.js";

export interface DemoPageSources {
  /** The HTML report of the final state (served at /report). */
  report: () => string;
  /** Bodies posted to the Teams receiver (message envelopes with an Adaptive Card attachment). */
  teamsBodies: () => readonly string[];
  /** The enforcement readiness page of the associations in Transition (served at /readiness). */
  readiness?: () => string;
  /** Raw MIME of the mails the SMTP receiver got. */
  mails: () => ReadonlyArray<{ from: string; to: string[]; subject: string; raw: string }>;
}

export interface DemoPage {
  url: string;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** A card and the line that stands for it while it is collapsed. */
export interface DemoCard {
  /** The card's kicker and title ("HIGH · NEW · storage-nfs: NFS on …"), or its fallback text. */
  summary: string;
  card: unknown;
}

interface CardJson {
  type?: unknown;
  text?: unknown;
  style?: unknown;
  fallbackText?: unknown;
  body?: unknown;
  items?: unknown;
}

/** The TextBlocks of a card in reading order (containers included). */
function textBlocks(elements: unknown, out: CardJson[] = []): CardJson[] {
  if (!Array.isArray(elements)) return out;
  for (const element of elements as CardJson[]) {
    if (element?.type === "TextBlock" && typeof element.text === "string") out.push(element);
    else textBlocks(element?.items, out);
  }
  return out;
}

/** Every kicker ends with the product's name: the collapsed line does without it. */
const KICKER_SUFFIX = " · NSP Guardrail";

/** The card's heading with the line above it (its kicker), else its fallback text. */
export function cardSummary(card: unknown): string {
  const blocks = textBlocks((card as CardJson | null)?.body);
  const heading = blocks.findIndex((b) => b.style === "heading");
  if (heading >= 0) {
    const kicker = heading > 0 ? `${String(blocks[heading - 1]!.text).replace(KICKER_SUFFIX, "")}: ` : "";
    return `${kicker}${String(blocks[heading]!.text)}`;
  }
  const fallback = (card as CardJson | null)?.fallbackText;
  return typeof fallback === "string" && fallback ? fallback : "Alert card";
}

export function cardsOf(bodies: readonly string[]): DemoCard[] {
  const cards: DemoCard[] = [];
  for (const body of bodies) {
    try {
      const message = JSON.parse(body) as { attachments?: Array<{ content?: unknown }> };
      for (const a of message.attachments ?? []) if (a.content) cards.push({ summary: cardSummary(a.content), card: a.content });
    } catch {
      // Not a card message: nothing to render.
    }
  }
  return cards;
}

async function inbox(mails: DemoPageSources["mails"]): Promise<Array<{ from: string; to: string; subject: string; html: string }>> {
  return Promise.all(
    mails().map(async (m) => {
      const parsed = await simpleParser(m.raw);
      return { from: m.from, to: m.to.join(", "), subject: m.subject, html: typeof parsed.html === "string" ? parsed.html : `<pre>${escapeHtml(parsed.text ?? "")}</pre>` };
    }),
  );
}

const PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>NSP Guardrail demo</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24}
header{background:#1f3a5f;color:#fff;padding:12px 20px}header h1{margin:0;font-size:20px}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(320px,2fr);gap:16px;padding:16px}
section{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
header nav{margin-top:6px;font-size:14px}header nav a{color:#fff;margin-right:18px}
h2{font-size:16px;margin:4px 0 12px}iframe.report{width:100%;height:1400px;border:0}
section{scroll-margin-top:8px}
.card{border:1px solid #d0d7de;border-radius:6px;margin-bottom:8px;overflow:hidden}
.card summary{cursor:pointer;padding:8px 10px;font-weight:600;font-size:13px;background:#f6f8fa}
.card[open] summary{border-bottom:1px solid #d0d7de}
.toggle{float:right;font-size:12px}
.mail{border-bottom:1px solid #e5e7eb;padding:8px 0}.mail summary{cursor:pointer;font-weight:600}
.mail iframe{width:100%;height:420px;border:1px solid #e5e7eb}
</style></head>
<body><header><h1>NSP Guardrail demo: Contoso</h1>
<nav id="jump" aria-label="Sections"><a href="#inbox-section">Email inbox <span id="nav-mail-count"></span></a><a href="#teams-section">Teams cards <span id="nav-card-count"></span></a><a href="#report-section">Perimeters and findings</a></nav></header>
<main>
<section id="report-section"><h2>Perimeters and findings now</h2><iframe class="report" src="/report" title="Scan report"></iframe></section>
<div>
<section id="teams-section"><h2>Teams <span id="card-count"></span> <button type="button" class="toggle" id="toggle-cards">Expand all</button></h2><div id="cards"></div></section>
<section id="inbox-section"><h2>Email inbox <span id="mail-count"></span></h2><div id="inbox"></div></section>
</div>
</main>
<section id="readiness-view" style="margin:0 16px 16px"><h2>Enforcement readiness: what breaks if the associations in Transition are enforced</h2><iframe class="readiness" src="/readiness" title="Enforcement readiness" style="width:100%;height:900px;border:0"></iframe></section>
<script src="/adaptivecards.js"></script>
<script>
// Teams renders the cards' Markdown (links, lists); so does this page, escaping everything else.
AdaptiveCards.AdaptiveCard.onProcessMarkdown = function (text, result) {
  const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  result.outputHtml = escape(text)
    .replace(/\\[([^\\]]+)\\]\\((https:[^)\\s]+)\\)/g, '<a href="$2" target="_blank" rel="noreferrer">$1</a>')
    .replace(/\\*\\*([^*]+)\\*\\*/g, "<strong>$1</strong>")
    .replace(/^- /gm, "• ")
    .replace(/\\n/g, "<br>");
  result.didProcess = true;
};
async function load() {
  const state = await (await fetch("/api/state")).json();
  const cards = document.getElementById("cards");
  document.getElementById("card-count").textContent = "(" + state.cards.length + ")";
  document.getElementById("nav-card-count").textContent = "(" + state.cards.length + ")";
  // Collapsed: one line per card, so the inbox below stays in reach.
  for (const entry of state.cards.slice().reverse()) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.parse(entry.card);
    const holder = document.createElement("details");
    holder.className = "card";
    const summary = document.createElement("summary");
    summary.textContent = entry.summary;
    holder.appendChild(summary);
    holder.appendChild(card.render());
    cards.appendChild(holder);
  }
  const toggle = document.getElementById("toggle-cards");
  toggle.addEventListener("click", function () {
    const open = toggle.textContent === "Expand all";
    cards.querySelectorAll("details.card").forEach(function (d) { d.open = open; });
    toggle.textContent = open ? "Collapse all" : "Expand all";
  });
  const inbox = document.getElementById("inbox");
  document.getElementById("mail-count").textContent = "(" + state.mails.length + ")";
  document.getElementById("nav-mail-count").textContent = "(" + state.mails.length + ")";
  for (const m of state.mails.slice().reverse()) {
    const item = document.createElement("details");
    item.className = "mail";
    const summary = document.createElement("summary");
    summary.textContent = m.subject + " (to " + m.to + ")";
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "");
    frame.srcdoc = m.html;
    item.appendChild(summary);
    item.appendChild(frame);
    inbox.appendChild(item);
  }
  document.body.dataset.loaded = "true";
}
load();
</script></body></html>`;

export async function startDemoPage(sources: DemoPageSources, port = 0): Promise<DemoPage> {
  const rendererPath = require.resolve("adaptivecards/dist/adaptivecards.min.js");
  const renderer = await readFile(rendererPath, "utf8");
  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    void (async () => {
      switch (req.url) {
        case "/":
          return send(200, "text/html; charset=utf-8", PAGE);
        case "/report":
          return send(200, "text/html; charset=utf-8", sources.report());
        case "/readiness":
          return sources.readiness ? send(200, "text/html; charset=utf-8", sources.readiness()) : send(404, "text/plain", "no readiness report");
        case "/adaptivecards.js":
          return send(200, "text/javascript; charset=utf-8", renderer);
        case "/api/state":
          return send(200, "application/json", JSON.stringify({ cards: cardsOf(sources.teamsBodies()), mails: await inbox(sources.mails) }));
        default:
          return send(404, "text/plain", "not found");
      }
    })().catch((error) => send(500, "text/plain", String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}/`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
