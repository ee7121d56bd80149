/** The small pages the edge answers with itself: suspended, waking up, not allowed, not found. */
export interface EdgePage {
  status: number;
  title: string;
  message: string;
  /** Reload after this many seconds (the waking page), and say so in Retry-After. */
  retryAfterSeconds?: number;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderEdgePage(page: EdgePage): string {
  const reload = page.retryAfterSeconds
    ? `<script>setTimeout(function () { location.reload(); }, ${Math.round(page.retryAfterSeconds * 1000)});</script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(page.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1d2330}
main{max-width:32rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}</style>
</head><body><main><h1>${escape(page.title)}</h1><p>${escape(page.message)}</p></main>${reload}</body></html>
`;
}
