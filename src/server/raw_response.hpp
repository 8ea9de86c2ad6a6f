#pragma once
// An HTTP/1.1 answer the server writes itself, for requests it refuses before cpp-httplib sees
// them (admission, a head too slow or too large, too many connections). Always
// "Connection: close": the request's body, if any, is not read.

#include <string>
#include <utility>
#include <vector>

namespace somna::server {

struct RawResponse {
  int status = 500;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides the standard ones
};

// "HTTP/1.1 413 Payload Too Large\r\n..." with Content-Type, Content-Length and Connection: close.
std::string render(const RawResponse& r);

}  // namespace somna::server
