// The SDK's own pages: sign-in, sign-up, sign-out, password reset, e-mail
// verification, account settings, ... under /handler/*.
import { StackHandler } from "@stackframe/stack";

export default function Handler() {
  return <StackHandler fullPage />;
}
