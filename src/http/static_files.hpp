// Files embedded in the binary at build time (cmake/embed_files.cmake) and
// served with their content type, an ETag and revalidation.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace latchkey::http {

struct EmbeddedFile {
  std::string_view path;  // relative to the embedded folder, e.g. "js/app.js"
  std::string_view bytes;
};

// web/console/, generated into the build tree.
const std::vector<EmbeddedFile>& console_files();

// A set of embedded files with their content types and ETags, computed once.
class StaticFiles {
 public:
  explicit StaticFiles(const std::vector<EmbeddedFile>& files);

  struct Asset {
    std::string_view bytes;
    std::string content_type;
    std::string etag;  // quoted, from the content's SHA-256
  };
  // nullptr when no file has this path.
  const Asset* find(std::string_view path) const;

  // 200 with the asset, or 304 when the request's If-None-Match names its
  // ETag. Cache-Control: no-cache (the names carry no version, so a browser
  // revalidates each time and gets 304 until the binary changes).
  static Response respond(const Request& req, const Asset& asset);

 private:
  std::vector<std::pair<std::string, Asset>> assets_;  // sorted by path
};

// The content type of a file name by its extension (octet-stream if unknown).
std::string content_type_for(std::string_view path);

}  // namespace latchkey::http
