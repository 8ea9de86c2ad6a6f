// Admission of a request on its head (admission.hpp).

#include "server/admission.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "server/access_control.hpp"

namespace somna::server {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

double mib(uint64_t bytes) {
  return double(bytes) / (1024.0 * 1024.0);
}

Admission refuse(int status, std::string message) {
  Admission a;
  a.status = status;
  a.message = std::move(message);
  return a;
}

Admission admit_upload(const RequestHead& h, const AdmissionPolicy& p) {
  const std::string type = lower(h.field("Content-Type"));
  if (type.rfind("multipart/form-data", 0) != 0) {
    return refuse(415,
                  "POST /predict takes multipart/form-data with the recording in field 'files'");
  }
  if (type.find("boundary=") == std::string::npos) {
    return refuse(400, "Content-Type multipart/form-data has no boundary parameter");
  }
  if (!h.chunked && !h.content_length) {
    return refuse(411, "POST /predict needs a Content-Length (or chunked transfer encoding)");
  }
  if (!h.chunked && *h.content_length == 0) {
    return refuse(400,
                  "empty body: no files uploaded; send the recording as multipart field 'files'");
  }
  if (h.content_length && *h.content_length > p.max_upload_bytes) {
    return refuse(413,
                  fmt::format("the upload is {:.1f} MiB; this server accepts at most {:.1f} MiB",
                              mib(*h.content_length), mib(p.max_upload_bytes)));
  }
  Admission a;
  a.lane = Lane::Upload;
  a.max_body = p.max_upload_bytes;
  return a;
}

}  // namespace

bool needs_token(const RequestHead& h) {
  if (h.method == "OPTIONS") return false;  // CORS preflight: browsers send no credentials
  const bool read_only = h.method == "GET" || h.method == "HEAD";
  if (h.path == "/predict" || h.path == "/metrics") return true;
  return !read_only;  // /health and the static page are public
}

Admission admit(const RequestHead& h, const AdmissionPolicy& p) {
  if (needs_token(h) && !bearer_token_ok(p.token, h.field("Authorization"))) {
    return refuse(401, "a bearer token is required (Authorization: Bearer <token>)");
  }
  if (h.method == "POST" && h.path == "/predict") return admit_upload(h, p);
  if (h.content_length && *h.content_length > p.max_small_body) {
    return refuse(413, fmt::format("a {} {} request body may be at most {} KiB", h.method,
                                   h.path.substr(0, 64), p.max_small_body >> 10));
  }
  Admission a;
  a.max_body = p.max_small_body;
  return a;
}

}  // namespace somna::server
