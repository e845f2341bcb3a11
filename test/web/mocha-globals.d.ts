// The Mocha globals web-test-runner provides in the browser. @types/mocha is not installed, and
// these four (and a test's own `this.timeout`) are all the component tests use.
declare function describe(title: string, body: () => void): void;
declare function it(title: string, body: (this: { timeout(ms: number): void }) => Promise<void> | void): void;
declare function beforeEach(body: () => Promise<void> | void): void;
declare function afterEach(body: () => Promise<void> | void): void;
