/** @type {import('next').NextConfig} */
const nextConfig = {
  // Nothing here reaches the network but Latchkey: no remote fonts or
  // images, and NEXT_TELEMETRY_DISABLED=1 (see README) keeps `next` quiet.
  poweredByHeader: false,
  // The example has no linter set up; `next build` would only warn about it.
  eslint: { ignoreDuringBuilds: true },
  webpack(config) {
    // The SDK imports Stripe's loader (for its payment components), whose
    // main entry adds https://js.stripe.com/… to every page as a side
    // effect; the "pure" entry loads Stripe only if a payment component
    // asks for it, and this app has none.
    config.resolve.alias = {
      ...config.resolve.alias,
      "@stripe/stripe-js$": "@stripe/stripe-js/pure",
    };
    return config;
  },
};

export default nextConfig;
