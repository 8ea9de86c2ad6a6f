#pragma once
// Whether the server serves a request, decided on its head alone, before a byte of the body is
// read: the bearer token (every route but /health, the static page and CORS preflights), the
// declared body length against the upload limit, and for POST /predict a multipart body with a
// boundary and a declared length. The one place where routes are authorised. Capacity (503) is
// the server's to add: it needs the worker pool's state.

#include <cstdint>
#include <string>

#include "server/request_head.hpp"

namespace somna::server {

// Requests that are answered at once (health, metrics, the page) and uploads that are read and
// analysed are served by separate threads, so the first never wait behind the second.
enum class Lane { Light, Upload };

struct AdmissionPolicy {
  std::string token;                   // empty: no token required
  uint64_t max_upload_bytes = 0;       // largest POST /predict body
  uint64_t max_small_body = 64 << 10;  // largest body on any other route
};

struct Admission {
  int status = 0;       // 0: served; else the error status to answer with
  std::string message;  // for the client
  Lane lane = Lane::Light;
  uint64_t max_body = 0;  // the most body bytes this request may send
  bool admitted() const { return status == 0; }
};

Admission admit(const RequestHead& head, const AdmissionPolicy& policy);

// True for the routes that need the token (when one is set).
bool needs_token(const RequestHead& head);

}  // namespace somna::server
