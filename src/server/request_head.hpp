#pragma once
// The head of one HTTP/1.1 request (request line + header fields), parsed from the bytes the
// connection layer has collected, before a byte of the body is read. The server decides on it
// alone whether to serve a request at all (admission.hpp): token, declared body length, content
// type, capacity. Strict where request smuggling or unbounded reads hide: a Content-Length that is
// not plain digits, overflows, repeats with another value, or comes with Transfer-Encoding is an
// error. cpp-httplib parses the same bytes again to route the request; this is only the gate.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace somna::server {

// The most bytes a request head may take (request line and all header fields).
constexpr size_t kMaxRequestHeadBytes = 32 * 1024;

struct RequestHead {
  std::string method;                                       // "GET"
  std::string target;                                       // "/predict?ecg=1"
  std::string path;                                         // "/predict"
  std::string version;                                      // "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> fields;  // names as sent, values trimmed

  std::optional<uint64_t> content_length;  // a valid Content-Length, when given
  bool chunked = false;                    // Transfer-Encoding: chunked

  // The first field of that name (case-insensitive), empty when absent.
  std::string field(std::string_view name) const;
  bool has_field(std::string_view name) const;
  // Whether a body follows the head.
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }
  // Whether the client asks to keep the connection open after this request.
  bool keep_alive() const;
};

// Where the head ends in `bytes`: the offset just past its blank line ("\r\n\r\n"), or npos when
// the head is not complete yet.
size_t find_head_end(std::string_view bytes);

// Parses a complete head (`bytes` up to and including its blank line). Throws HttpError 400 with a
// message naming the problem (bad request line, bad field, bad or conflicting Content-Length,
// unsupported Transfer-Encoding), 505 for an HTTP version other than 1.0/1.1.
RequestHead parse_request_head(std::string_view bytes);

}  // namespace somna::server
