// The HTTP/1.1 server (Boost.Beast on Asio): I/O threads parse and write,
// a bounded worker pool runs the pipeline, so database work and hashing
// never block an I/O thread. Limits on header and body size and on slow
// clients; SIGTERM stops accepting and drains in-flight requests.
#pragma once
#include <memory>

#include "app.hpp"
#include "http/pipeline.hpp"

namespace latchkey::http {

class Server {
 public:
  Server(App& app, const Pipeline& pipeline);
  ~Server();
  // Binds; returns the bound port (useful with port 0).
  int listen();
  // Runs until SIGTERM/SIGINT, then drains and returns.
  void run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::http
