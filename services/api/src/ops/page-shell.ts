import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import { ASSETS_PATH } from "./console-assets.ts";
import { DASHBOARD_PATH } from "./dashboard.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * The ops pages' frame: styles and scripts from this origin only (the CSP allows no inline script),
 * the header with the links ops need, and `status`, which console.js turns into the live indicator.
 */
export function shell(title: string, status: Html | string, main: Html): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${ASSETS_PATH}/uPlot.min.css"><link rel="stylesheet" href="${ASSETS_PATH}/console.css">
<script src="${ASSETS_PATH}/uPlot.iife.min.js" defer></script><script src="${ASSETS_PATH}/console.js" defer></script>
</head>
<body>
<header class="top"><h1><a href="/admin">Scimline console</a></h1>
<nav><a href="${DASHBOARD_PATH}">Queue dashboard</a><a href="/api/v1/docs">API reference</a><a href="/metrics">Metrics</a></nav>
${status}
</header>
<main>${main}</main>
</body></html>`;
}
