// The request head parser and the admission decided on it (server/request_head.*,
// server/admission.*), without HTTP.

#include "server/request_head.hpp"

#include <gtest/gtest.h>

#include "server/admission.hpp"
#include "server/http_error.hpp"

namespace somna::server {
namespace {

int status_of(const std::string& head) {
  try {
    parse_request_head(head);
  } catch (const HttpError& e) {
    return e.status();
  }
  return 0;
}

TEST(RequestHead, ParsesTheLineAndFields) {
  const std::string text =
      "POST /predict?ecg=1 HTTP/1.1\r\nHost: x\r\ncontent-length:  42 \r\n"
      "Authorization: Bearer t\r\n\r\n";
  EXPECT_EQ(find_head_end(text + "body"), text.size());
  EXPECT_EQ(find_head_end("GET / HTTP/1.1\r\nHost: x\r\n"), std::string::npos);
  const RequestHead h = parse_request_head(text);
  EXPECT_EQ(h.method, "POST");
  EXPECT_EQ(h.target, "/predict?ecg=1");
  EXPECT_EQ(h.path, "/predict");
  EXPECT_EQ(h.content_length, 42u);
  EXPECT_TRUE(h.has_body());
  EXPECT_EQ(h.field("AUTHORIZATION"), "Bearer t");
  EXPECT_TRUE(h.keep_alive());
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.0\r\n\r\n").keep_alive());
  EXPECT_FALSE(parse_request_head("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive());
  EXPECT_TRUE(parse_request_head("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").chunked);
}

TEST(RequestHead, RefusesWhatHidesSmugglingOrUnboundedReads) {
  for (const char* v : {"-1", "18446744073709551617", "12abc", "1, 2", "+5", "0x10", ""}) {
    EXPECT_EQ(status_of(std::string("GET / HTTP/1.1\r\nContent-Length: ") + v + "\r\n\r\n"), 400)
        << v;
  }
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"), 0);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            400);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET /\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET  / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET x HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nNo colon here\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nA: " + std::string(40000, 'a') + "\r\n\r\n"), 431);
}

AdmissionPolicy policy(const std::string& token = {}) {
  AdmissionPolicy p;
  p.token = token;
  p.max_upload_bytes = 1000;
  return p;
}

RequestHead upload(const std::string& extra) {
  return parse_request_head("POST /predict HTTP/1.1\r\n" + extra + "\r\n");
}

TEST(Admission, EveryRouteButHealthThePageAndPreflightNeedsTheToken) {
  const AdmissionPolicy p = policy("t");
  auto status = [&](const std::string& head) {
    return admit(parse_request_head(head + "\r\n"), p).status;
  };
  EXPECT_EQ(status("GET /health HTTP/1.1\r\n"), 0);
  EXPECT_EQ(status("GET /index.html HTTP/1.1\r\n"), 0);
  EXPECT_EQ(status("OPTIONS /predict HTTP/1.1\r\n"), 0);
  EXPECT_EQ(status("GET /metrics HTTP/1.1\r\n"), 401);
  EXPECT_EQ(status("GET /metrics HTTP/1.1\r\nContent-Length: 1\r\n"), 401);
  EXPECT_EQ(status("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"), 401);
  EXPECT_EQ(status("GET /predict HTTP/1.1\r\n"), 401);
  EXPECT_EQ(status("DELETE /x HTTP/1.1\r\n"), 401);
  EXPECT_EQ(status("POST /predict HTTP/1.1\r\nContent-Length: 10\r\n"), 401);
  EXPECT_EQ(status("GET /metrics HTTP/1.1\r\nAuthorization: Bearer t\r\n"), 0);
}

TEST(Admission, UploadsAreCheckedOnTheirHead) {
  const AdmissionPolicy p = policy();
  const std::string mp = "Content-Type: multipart/form-data; boundary=b\r\n";
  const Admission ok = admit(upload(mp + "Content-Length: 1000\r\n"), p);
  EXPECT_TRUE(ok.admitted());
  EXPECT_EQ(ok.lane, Lane::Upload);
  EXPECT_EQ(ok.max_body, 1000u);
  EXPECT_TRUE(admit(upload(mp + "Transfer-Encoding: chunked\r\n"), p).admitted());
  EXPECT_EQ(admit(upload(mp + "Content-Length: 1001\r\n"), p).status, 413);
  EXPECT_EQ(admit(upload(mp + "Content-Length: 0\r\n"), p).status, 400);
  EXPECT_EQ(admit(upload(mp), p).status, 411);
  EXPECT_EQ(admit(upload("Content-Type: multipart/form-data\r\nContent-Length: 5\r\n"), p).status,
            400);
  EXPECT_EQ(admit(upload("Content-Type: text/plain\r\nContent-Length: 5\r\n"), p).status, 415);
  // Other routes take small bodies only.
  const Admission h =
      admit(parse_request_head("GET /health HTTP/1.1\r\nContent-Length: 70000\r\n\r\n"), p);
  EXPECT_EQ(h.status, 413);
  EXPECT_EQ(admit(parse_request_head("GET /health HTTP/1.1\r\n\r\n"), p).lane, Lane::Light);
}

}  // namespace
}  // namespace somna::server
