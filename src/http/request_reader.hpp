// Parses one HTTP/1.x request straight into a Request: Beast's parser drives
// it, but the fields go to Request::headers as they arrive instead of into
// Beast's field container first (which allocated a node per field, then we
// copied). Its own file so that the fuzz target (fuzz/http_request_fuzz.cpp)
// parses exactly what the server parses.
#pragma once
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/message.hpp"

namespace latchkey::http {

class RequestReader : public boost::beast::http::basic_parser<true> {
 public:
  // Requests whose header block or body exceed these fail with Beast's
  // header_limit / body_limit errors (the server answers 431 / 413).
  RequestReader(size_t max_header_bytes, size_t max_body_bytes, const std::string& remote_ip);
  Request& request() { return req_; }
  unsigned version() const { return version_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;
  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override;
  void on_response_impl(int, string_view, int, error_code& ec) override;
  void on_field_impl(boost::beast::http::field, string_view name, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  Request req_;
  unsigned version_ = 11;
};

}  // namespace latchkey::http
