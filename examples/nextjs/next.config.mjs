/** @type {import('next').NextConfig} */
const nextConfig = {
  // Nothing here reaches the network: no remote fonts or images, and
  // NEXT_TELEMETRY_DISABLED=1 (see README) keeps `next` itself quiet.
  poweredByHeader: false,
  // The example has no linter set up; `next build` would only warn about it.
  eslint: { ignoreDuringBuilds: true },
};

export default nextConfig;
