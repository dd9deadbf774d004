import { StackProvider, StackTheme } from "@stackframe/stack";
import Link from "next/link";

import { stackServerApp } from "../stack/server";
import "./globals.css";

export const metadata = {
  title: "Latchkey + Next.js",
  description: "Stack's Next.js SDK against a Latchkey server",
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <StackProvider app={stackServerApp}>
          <StackTheme>
            <nav>
              <Link href="/">Home</Link>
              <Link href="/protected">Protected</Link>
              <Link href="/teams">Teams</Link>
              <Link href="/handler/account-settings">Account</Link>
            </nav>
            <main>{children}</main>
          </StackTheme>
        </StackProvider>
      </body>
    </html>
  );
}
