// libFuzzer target: the HTTP request head parser and the admission decided on it
// (src/server/request_head.*, admission.*), the gate every request of `somna serve` passes before
// a byte of its body is read. The first byte picks the policy (token or none, a small or large
// upload limit), the rest is what a client sent. Any input must give either HttpError with a 4xx
// or 505 status, or a head that is consistent (Content-Length and chunked never both; a path
// that is a prefix of the target) and an admission whose status is one the API documents.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/admission.hpp"
#include "server/http_error.hpp"
#include "server/request_head.hpp"

using somna::server::HttpError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t end = somna::server::find_head_end(bytes);
  if (end != std::string_view::npos && (end < 4 || end > bytes.size())) std::abort();
  const std::string_view head = end == std::string_view::npos ? bytes : bytes.substr(0, end);
  somna::server::RequestHead h;
  try {
    h = somna::server::parse_request_head(head);
  } catch (const HttpError& e) {
    const int s = e.status();
    if (!(s == 400 || s == 431 || s == 505)) std::abort();
    return 0;
  }
  if (h.chunked && h.content_length) std::abort();
  if (h.target.compare(0, h.path.size(), h.path) != 0) std::abort();
  somna::server::AdmissionPolicy p;
  p.token = (mode & 1) ? "t0k3n" : "";
  p.max_upload_bytes = (mode & 2) ? (uint64_t{128} << 20) : 1000;
  const somna::server::Admission a = somna::server::admit(h, p);
  switch (a.status) {
    case 0:
      if (a.lane == somna::server::Lane::Upload && (h.method != "POST" || h.path != "/predict"))
        std::abort();
      if (h.content_length && *h.content_length > a.max_body) std::abort();
      break;
    case 400:
    case 401:
    case 411:
    case 413:
    case 415:
      if (a.message.empty()) std::abort();
      break;
    default:
      std::abort();
  }
  if (a.status == 0 && !p.token.empty() && somna::server::needs_token(h) &&
      h.field("Authorization") != "Bearer t0k3n") {
    // Admitted without the token: only a scheme written in another case may pass.
    if (h.field("Authorization").size() < 7) std::abort();
  }
  return 0;
}
