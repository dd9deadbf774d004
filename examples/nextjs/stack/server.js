// The Stack app on the server. The SDK reads NEXT_PUBLIC_STACK_API_URL,
// NEXT_PUBLIC_STACK_PROJECT_ID, NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY and
// STACK_SECRET_SERVER_KEY from the environment: Latchkey is just another
// API URL. Only server components and route handlers may import this file
// (it holds the secret server key).
import { StackServerApp } from "@stackframe/stack";

export const stackServerApp = new StackServerApp({
  tokenStore: "nextjs-cookie",
  urls: {
    // Where the SDK's pages (app/handler/[...stack]) send people back to.
    afterSignIn: "/",
    afterSignUp: "/",
    afterSignOut: "/",
  },
});
