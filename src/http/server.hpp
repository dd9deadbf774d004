// The HTTP/1.1 server (Boost.Beast on Asio): I/O threads parse and write,
// a bounded worker pool runs the pipeline, so database work and hashing
// never block an I/O thread. Limits on header and body size and on slow
// clients; SIGTERM stops accepting and drains in-flight requests.
#pragma once
#include <memory>
#include <string>

#include "app.hpp"
#include "http/pipeline.hpp"

namespace latchkey::http {

class Server {
 public:
  Server(App& app, const Pipeline& pipeline);
  ~Server();
  // Binds; returns the bound port (useful with port 0).
  int listen();
  // Binds the metrics listener on `host`:`port` (0: any free port), which
  // answers GET /metrics in Prometheus' text format; returns its port.
  // Requests are measured only when it is open.
  int listen_metrics(const std::string& host, int port);
  // Runs until SIGTERM/SIGINT, then drains and returns.
  void run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace latchkey::http
