/** Styles of the output panel's runs (see runs-view.ts), on top of the element's `[part='output']` box. */
import { css } from 'lit';

/** Added to `<interview-room>`'s styles. */
export const runsStyles = css`
  .runs[part='output'] {
    white-space: normal;
    color: var(--ir-fg);
  }
  .runs-empty,
  .run-progress {
    margin: 0;
    color: var(--ir-muted);
  }
  .run-notice {
    margin: 6px 0 0;
    color: var(--ir-error);
  }
  .run + .run {
    margin-top: 8px;
    padding-top: 6px;
    border-top: 1px dashed var(--ir-border);
  }
  .run-head {
    font-family: var(--ir-font);
    font-size: 12px;
    color: var(--ir-muted);
  }
  .run-by {
    font-weight: 600;
  }
  .run[data-status='ok'] .run-status {
    color: var(--ir-ok);
  }
  .run[data-status='error'] .run-status,
  .run[data-status='timeout'] .run-status,
  .run[data-status='interrupted'] .run-status {
    color: var(--ir-error);
  }
  .run[data-status='running'] .run-status,
  .run[data-status='stopped'] .run-status {
    color: var(--ir-warn);
  }
  .run-output {
    margin: 2px 0 0;
    white-space: pre-wrap;
    word-break: break-word;
    font-family: var(--ir-code-font);
  }
  .run-output:empty {
    display: none;
  }
  .run-output .stderr {
    color: var(--ir-error);
  }
  .run-output .system {
    color: var(--ir-muted);
    font-style: italic;
  }
  [part='stop'] {
    cursor: pointer;
  }
`;
