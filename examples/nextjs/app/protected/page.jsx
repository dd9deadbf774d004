// Only for signed-in users: anyone else is sent to the sign-in page, and
// comes back here after signing in.
import { redirect } from "next/navigation";

import { stackServerApp } from "../../stack/server";

export default async function Protected() {
  // The SDK's own `getUser({ or: "redirect" })` fails in this production
  // build (README), so the page redirects with Next's redirect().
  const user = await stackServerApp.getUser();
  if (!user) redirect(`${stackServerApp.urls.signIn}?after_auth_return_to=%2Fprotected`);
  return (
    <>
      <h1>Protected</h1>
      <p data-testid="protected-user">Only signed-in users see this: {user.primaryEmail}</p>
    </>
  );
}
