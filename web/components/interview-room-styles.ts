/** Shadow-root styles of `<interview-room>`: layout plus the `--ir-*` custom properties (light and dark). */
import { css } from 'lit';

/** The element's styles. Every colour and font goes through a custom property an embedder can set. */
export const interviewRoomStyles = css`
  :host {
    --ir-bg: #ffffff;
    --ir-fg: #1c2024;
    --ir-muted: #60646c;
    --ir-surface: #f6f7f9;
    --ir-border: #d9dce1;
    --ir-accent: #3e63dd;
    --ir-accent-fg: #ffffff;
    --ir-editor-bg: #ffffff;
    --ir-editor-fg: #1c2024;
    --ir-gutter-bg: #f6f7f9;
    --ir-active-line: #3e63dd0f;
    --ir-selection: #3e63dd33;
    --ir-output-bg: #f6f7f9;
    --ir-ok: #0b8a5c;
    --ir-warn: #ad5700;
    --ir-error: #cd2b31;
    --ir-syntax-keyword: #8e4ec6;
    --ir-syntax-comment: #6f737a;
    --ir-syntax-string: #0b7a4f;
    --ir-syntax-number: #ad5700;
    --ir-syntax-function: #0d74ce;
    --ir-syntax-definition: #1c2024;
    --ir-syntax-type: #b8497c;
    --ir-syntax-property: #2b5fb8;
    --ir-syntax-punctuation: #4b4f56;
    --ir-syntax-meta: #6f737a;
    --ir-font: system-ui, -apple-system, 'Segoe UI', sans-serif;
    --ir-code-font: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
    --ir-code-size: 14px;
    --ir-radius: 8px;

    display: flex;
    flex-direction: column;
    min-height: 320px;
    height: 480px;
    box-sizing: border-box;
    border: 1px solid var(--ir-border);
    border-radius: var(--ir-radius);
    overflow: hidden;
    background: var(--ir-bg);
    color: var(--ir-fg);
    font-family: var(--ir-font);
    font-size: 14px;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      --ir-bg: #111113;
      --ir-fg: #edeef0;
      --ir-muted: #9ba1a6;
      --ir-surface: #18191b;
      --ir-border: #2e3135;
      --ir-accent: #8da4ef;
      --ir-accent-fg: #111113;
      --ir-editor-bg: #111113;
      --ir-editor-fg: #edeef0;
      --ir-gutter-bg: #18191b;
      --ir-active-line: #8da4ef14;
      --ir-selection: #8da4ef40;
      --ir-output-bg: #18191b;
      --ir-ok: #3dd68c;
      --ir-warn: #ffa057;
      --ir-error: #ff9592;
      --ir-syntax-keyword: #d19dff;
      --ir-syntax-comment: #8b9099;
      --ir-syntax-string: #7ee2a8;
      --ir-syntax-number: #ffb381;
      --ir-syntax-function: #70b8ff;
      --ir-syntax-definition: #edeef0;
      --ir-syntax-type: #ff8dcc;
      --ir-syntax-property: #9eb1ff;
      --ir-syntax-punctuation: #b0b4ba;
      --ir-syntax-meta: #8b9099;
    }
  }
  :host([theme='dark']) {
    --ir-bg: #111113;
    --ir-fg: #edeef0;
    --ir-muted: #9ba1a6;
    --ir-surface: #18191b;
    --ir-border: #2e3135;
    --ir-accent: #8da4ef;
    --ir-accent-fg: #111113;
    --ir-editor-bg: #111113;
    --ir-editor-fg: #edeef0;
    --ir-gutter-bg: #18191b;
    --ir-active-line: #8da4ef14;
    --ir-selection: #8da4ef40;
    --ir-output-bg: #18191b;
    --ir-ok: #3dd68c;
    --ir-warn: #ffa057;
    --ir-error: #ff9592;
    --ir-syntax-keyword: #d19dff;
    --ir-syntax-comment: #8b9099;
    --ir-syntax-string: #7ee2a8;
    --ir-syntax-number: #ffb381;
    --ir-syntax-function: #70b8ff;
    --ir-syntax-definition: #edeef0;
    --ir-syntax-type: #ff8dcc;
    --ir-syntax-property: #9eb1ff;
    --ir-syntax-punctuation: #b0b4ba;
    --ir-syntax-meta: #8b9099;
  }
  :host([hidden]) {
    display: none;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 12px;
    padding: 8px 12px;
    background: var(--ir-surface);
    border-bottom: 1px solid var(--ir-border);
  }
  select,
  button {
    font: inherit;
    color: inherit;
    background: var(--ir-bg);
    border: 1px solid var(--ir-border);
    border-radius: 6px;
    padding: 4px 10px;
  }
  button[part='run'] {
    background: var(--ir-accent);
    color: var(--ir-accent-fg);
    border-color: var(--ir-accent);
    font-weight: 600;
    cursor: pointer;
  }
  button[part='run']:disabled {
    opacity: 0.6;
    cursor: progress;
  }
  [part='status'] {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    color: var(--ir-muted);
    margin-left: auto;
  }
  [part='status']::before {
    content: '';
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--ir-warn);
    flex: none;
  }
  [part='status'][data-state='connected']::before {
    background: var(--ir-ok);
  }
  [part='status'][data-state='offline']::before {
    background: var(--ir-error);
  }
  [part='status'][data-state='offline'] {
    color: var(--ir-error);
  }
  [part='participants'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  [part='participants'] li {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 1px 8px 1px 4px;
    border-radius: 999px;
    border: 1px solid var(--ir-border);
    max-width: 16em;
    overflow: hidden;
    white-space: nowrap;
    text-overflow: ellipsis;
  }
  .swatch {
    width: 10px;
    height: 10px;
    border-radius: 50%;
    flex: none;
  }
  .count {
    color: var(--ir-muted);
  }
  .role {
    font-size: 11px;
    line-height: 1.5;
    padding: 0 6px;
    border-radius: 999px;
    border: 1px solid var(--ir-border);
    color: var(--ir-muted);
  }
  .role[data-role='interviewer'] {
    border-color: var(--ir-accent);
    color: var(--ir-accent);
    font-weight: 600;
  }
  [part='lock'] {
    padding: 1px 8px;
    border-radius: 6px;
    background: var(--ir-warn);
    color: var(--ir-bg);
    font-weight: 600;
  }
  [part='controls'] {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
  }
  [part='controls'] button {
    cursor: pointer;
  }
  [part='controls'] button[aria-pressed='true'] {
    background: var(--ir-warn);
    border-color: var(--ir-warn);
    color: var(--ir-bg);
  }
  [part='controls'] .danger,
  [part='end'] {
    color: var(--ir-error);
    border-color: var(--ir-error);
  }
  [part='controls'] .danger {
    background: var(--ir-error);
    color: var(--ir-bg);
  }
  .controls-error {
    color: var(--ir-error);
  }
  main {
    flex: 1 1 auto;
    display: flex;
    flex-direction: column;
    min-height: 0;
  }
  [part='editor'] {
    flex: 1 1 auto;
    min-height: 0;
    overflow: hidden;
  }
  .editor-host {
    height: 100%;
  }
  [part='output'] {
    flex: 0 0 auto;
    max-height: 30%;
    overflow: auto;
    margin: 0;
    padding: 8px 12px;
    border-top: 1px solid var(--ir-border);
    background: var(--ir-output-bg);
    font-family: var(--ir-code-font);
    font-size: 13px;
    white-space: pre-wrap;
  }
  [part='output'][data-status='error'] {
    color: var(--ir-error);
  }
  [part='output'][data-status='unavailable'] {
    color: var(--ir-muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  [hidden] {
    display: none !important;
  }
  .notice {
    padding: 24px;
    color: var(--ir-error);
  }
`;
