// Answers written by the server itself (raw_response.hpp).

#include "server/raw_response.hpp"

#include <fmt/format.h>

#include "server/http_status.hpp"

namespace somna::server {

std::string render(const RawResponse& r) {
  std::string out = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
      "Connection: close\r\n",
      r.status, http_status(r.status).reason, r.content_type, r.body.size());
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\r\n";
  out += "\r\n";
  out += r.body;
  return out;
}

}  // namespace somna::server
