#include "http/request_reader.hpp"

#include <boost/beast/http/error.hpp>

namespace latchkey::http {

RequestReader::RequestReader(size_t max_header_bytes, size_t max_body_bytes,
                             const std::string& remote_ip) {
  header_limit(static_cast<uint32_t>(max_header_bytes));
  body_limit(max_body_bytes);
  req_.remote_ip = remote_ip;
}

void RequestReader::on_request_impl(boost::beast::http::verb, string_view method,
                                    string_view target, int version, error_code&) {
  req_.method_text.assign(method.data(), method.size());
  req_.method = http::parse_method(req_.method_text);
  req_.target.assign(target.data(), target.size());
  version_ = static_cast<unsigned>(version);
  std::string_view t = req_.target;
  auto q = t.find('?');
  if (q != std::string_view::npos) req_.query = http::parse_query(t.substr(q + 1));
}

void RequestReader::on_response_impl(int, string_view, int, error_code& ec) {
  ec = boost::beast::http::error::bad_version;  // never called for a request parser
}

void RequestReader::on_field_impl(boost::beast::http::field, string_view name, string_view value,
                                  error_code&) {
  req_.headers.add(std::string_view(name.data(), name.size()),
                   std::string_view(value.data(), value.size()));
}

void RequestReader::on_header_impl(error_code&) {
  if (auto h = req_.headers.get("host")) req_.host = std::string(*h);
}

void RequestReader::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) req_.body.reserve(static_cast<size_t>(*length));
}

std::size_t RequestReader::on_body_impl(string_view body, error_code&) {
  req_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t RequestReader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  req_.body.append(body.data(), body.size());
  return body.size();
}

}  // namespace latchkey::http
