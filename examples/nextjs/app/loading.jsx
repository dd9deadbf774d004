// The Suspense boundary of every page: client components that read the user
// (useUser) wait here while the page renders on the server.
export default function Loading() {
  return <p>Loading…</p>;
}
