import { css } from 'lit';

/**
 * Form controls shared by the app's pages: the page's font, the `--app-*` colours from
 * index.html, and `.primary` for the main action of a form.
 */
export const formControls = css`
  select,
  input,
  button {
    font: inherit;
    padding: 8px 12px;
    border-radius: 6px;
    border: 1px solid var(--app-border);
    background: var(--app-bg);
    color: inherit;
  }
  button.primary {
    background: var(--app-accent);
    border-color: var(--app-accent);
    color: var(--app-accent-fg);
    font-weight: 600;
    cursor: pointer;
  }
`;
