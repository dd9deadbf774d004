// A server component: the user comes from the session cookie, read on the
// server through the secret server key. The client component below reads
// the same user in the browser.
import Link from "next/link";

import { stackServerApp } from "../stack/server";
import ClientUser from "./client-user";

export default async function Home() {
  const user = await stackServerApp.getUser();
  return (
    <>
      <h1>Latchkey + Next.js</h1>
      <p data-testid="server-user">
        Server: {user ? `signed in as ${user.primaryEmail}` : "not signed in"}
      </p>
      <ClientUser />
      {user ? null : (
        <p>
          <Link href={stackServerApp.urls.signIn}>Sign in</Link> or{" "}
          <Link href={stackServerApp.urls.signUp}>sign up</Link>
        </p>
      )}
    </>
  );
}
