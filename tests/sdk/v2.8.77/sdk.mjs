// This version's SDK, for ../flow.mjs (Node) and the browser bundle.
export { StackClientApp, StackServerApp } from '@stackframe/js';
