#pragma once
// The one table of the HTTP statuses the server answers: reason phrase (status line), short type
// name (error bodies, /metrics) and the default message shown when no more specific one exists.

namespace somna::server {

struct HttpStatus {
  int code;
  const char* reason;   // "Payload Too Large"
  const char* type;     // "payload_too_large"
  const char* message;  // "the upload is larger than the server accepts"
};

// The row of `code`; a code not in the table gets reason "Error", type "error" and an empty
// message (default_error_message then says "HTTP error <code>").
const HttpStatus& http_status(int code);

}  // namespace somna::server
