"use client";
// A client component: useUser() reads the signed-in user in the browser
// (the SDK refreshes the access token as needed).
import { useUser } from "@stackframe/stack";

export default function ClientUser() {
  const user = useUser();
  if (!user) return <p data-testid="client-user">Client: not signed in</p>;
  return (
    <>
      <p data-testid="client-user">Client: signed in as {user.primaryEmail}</p>
      <button type="button" onClick={() => user.signOut()}>
        Sign out
      </button>
    </>
  );
}
