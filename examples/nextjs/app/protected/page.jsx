// Only for signed-in users: anyone else is redirected to the sign-in page,
// and comes back here after signing in.
import { stackServerApp } from "../../stack/server";

export default async function Protected() {
  const user = await stackServerApp.getUser({ or: "redirect" });
  return (
    <>
      <h1>Protected</h1>
      <p data-testid="protected-user">Only signed-in users see this: {user.primaryEmail}</p>
    </>
  );
}
