/** `<interview-app>`: the app shell; shows the page for the current route. */
import { LitElement, html } from 'lit';
import { Router, type Route } from './router.js';

/** Renders the home page, a room, or a not-found message, following the router. */
export class InterviewApp extends LitElement {
  static override properties = { route: { state: true } };

  declare private route: Route;
  private readonly router = new Router((route) => {
    this.route = route;
    document.title = route.page === 'room' ? 'Interview room · session' : 'Interview room';
  });
  private stopRouter: (() => void) | null = null;

  constructor() {
    super();
    this.route = { page: 'home' };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopRouter = this.router.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopRouter?.();
  }

  // Light DOM: the pages bring their own shadow roots, and global page styles apply here.
  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override render(): unknown {
    switch (this.route.page) {
      case 'home':
        return html`<home-page></home-page>`;
      case 'room':
        return html`<room-page session=${this.route.sessionId}></room-page>`;
      default:
        return html`<main style="padding: 48px 24px; text-align: center">
          <h1>Page not found</h1>
          <p>No page at <code>${this.route.path}</code>. A session link looks like <code>/session/&lt;id&gt;</code>.</p>
          <p><a href="/">Create a session</a></p>
        </main>`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'interview-app': InterviewApp;
  }
}
