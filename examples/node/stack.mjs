// Latchkey's settings, from the same variables a Next.js app uses (the
// output of `latchkey project create --env`).
export function stackSettings(env = process.env) {
  const missing = ['NEXT_PUBLIC_STACK_API_URL', 'NEXT_PUBLIC_STACK_PROJECT_ID',
                   'NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY', 'STACK_SECRET_SERVER_KEY']
    .filter((name) => !env[name]);
  if (missing.length) throw new Error(`set ${missing.join(', ')} (latchkey project create --env)`);
  return {
    baseUrl: env.NEXT_PUBLIC_STACK_API_URL.replace(/\/+$/, ''),
    projectId: env.NEXT_PUBLIC_STACK_PROJECT_ID,
    publishableClientKey: env.NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY,
    secretServerKey: env.STACK_SECRET_SERVER_KEY,
  };
}
