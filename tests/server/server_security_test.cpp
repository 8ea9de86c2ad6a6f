// Who may call the server and what it touches: bearer token, CORS allow-list and preflight, TLS
// with a certificate made at test time, uploads that try to escape the private folder (through
// their own names and through the file names a header references), --keep, and the static web
// page (content types, index fallback, traversal, "not built" page).

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.hpp"
#include "server_harness.hpp"

namespace somna::server::testing {
namespace {

TEST(ServerAuth, TokenGuardsTheApiButNotHealthOrThePage) {
  ServerOptions o;
  o.token = "s3cret-token";
  TestServer ts(o);
  auto c = ts.client();
  EXPECT_EQ(to_reply(c->Get("/health")).status, 200);
  const Reply m = to_reply(c->Get("/metrics"));
  expect_error(m, 401, "Bearer");
  EXPECT_EQ(m.headers.find("WWW-Authenticate")->second, "Bearer realm=\"somna\"");
  // The static page holds no data: served without the token (a browser cannot send one).
  EXPECT_EQ(c->Get("/")->status, 200);
  expect_error(to_reply(c->Post("/nothing", "", "text/plain")), 401);
  // An upload without the token: 401, and the keep-alive connection still works afterwards.
  expect_error(predict(*c, sample_upload()), 401);
  EXPECT_EQ(to_reply(c->Get("/health")).status, 200);
  // Wrong token, wrong scheme.
  c->set_bearer_token_auth("wrong");
  expect_error(to_reply(c->Get("/metrics")), 401);
  c->set_default_headers({{"Authorization", "Basic czNjcmV0LXRva2Vu"}});
  expect_error(to_reply(c->Get("/metrics")), 401);
  // The right token.
  auto ok = ts.client();
  ok->set_bearer_token_auth("s3cret-token");
  EXPECT_EQ(to_reply(ok->Get("/metrics")).status, 200);
  const Reply p = predict(*ok, sample_upload());
  EXPECT_EQ(p.status, 200) << p.raw.substr(0, 200);
}

TEST(ServerCors, AllowListAndPreflight) {
  ServerOptions o;
  o.cors_origins = {"https://app.example.org", "http://localhost:5173"};
  TestServer ts(o);
  auto c = ts.client();
  c->set_default_headers({{"Origin", "https://app.example.org"}});
  auto r = c->Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get_header_value("Access-Control-Allow-Origin"), "https://app.example.org");
  EXPECT_EQ(r->get_header_value("Vary"), "Origin");
  // Preflight.
  httplib::Headers pre = {{"Origin", "http://localhost:5173"},
                          {"Access-Control-Request-Method", "POST"},
                          {"Access-Control-Request-Headers", "authorization"}};
  auto plain = ts.client();
  auto o1 = plain->Options("/predict", pre);
  ASSERT_TRUE(o1);
  EXPECT_EQ(o1->status, 204);
  EXPECT_EQ(o1->get_header_value("Access-Control-Allow-Origin"), "http://localhost:5173");
  EXPECT_NE(o1->get_header_value("Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_NE(o1->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  // An origin not in the list gets no CORS headers.
  auto evil = ts.client();
  evil->set_default_headers({{"Origin", "https://evil.example"}});
  auto e = evil->Get("/health");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 200);
  EXPECT_FALSE(e->has_header("Access-Control-Allow-Origin"));
  auto e2 = evil->Options("/predict", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(e2);
  EXPECT_FALSE(e2->has_header("Access-Control-Allow-Origin"));
}

TEST(ServerCors, NoFlagNoHeadersAndPreflightNeedsNoToken) {
  ServerOptions o;
  o.token = "t";
  TestServer ts(o);
  auto c = ts.client();
  auto r = c->Options("/predict", {{"Origin", "https://a.example"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin"));
}

TEST(ServerTls, ServesHttpsWithACertificateMadeAtTestTime) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
  ScratchDir d;
  const std::string cert = d.str() + "/cert.pem", key = d.str() + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ServerOptions o;
  o.cert_file = cert;
  o.key_file = key;
  TestServer ts(o);
  EXPECT_EQ(ts.server().url().rfind("https://127.0.0.1:", 0), 0u) << ts.server().url();
  httplib::SSLClient c("127.0.0.1", ts.port());
  c.enable_server_certificate_verification(false);
  c.set_read_timeout(60, 0);
  auto r = c.Get("/health");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, 200);
  auto p = c.Post("/predict", sample_upload());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 200);
  // Verified against the same self-signed certificate as CA.
  httplib::SSLClient v("127.0.0.1", ts.port());
  v.set_ca_cert_path(cert.c_str());
  v.enable_server_certificate_verification(true);
  auto rv = v.Get("/health");
  ASSERT_TRUE(rv) << httplib::to_string(rv.error());
  EXPECT_EQ(rv->status, 200);
  // Plain HTTP to the TLS port gets no HTTP answer.
  httplib::Client plain("127.0.0.1", ts.port());
  plain.set_read_timeout(3, 0);
  auto pr = plain.Get("/health");
  EXPECT_TRUE(!pr || pr->status != 200);
}

TEST(ServerTls, BadCertificateIsAClearError) {
  ScratchDir d;
  write_bytes(d.str() + "/c.pem", "not a certificate");
  write_bytes(d.str() + "/k.pem", "not a key");
  ServerOptions o;
  o.cert_file = d.str() + "/c.pem";
  o.key_file = d.str() + "/k.pem";
  EXPECT_THROW({ Server s(o, cvhr()); }, somna::Error);
  o.key_file.clear();
  EXPECT_THROW({ Server s(o, cvhr()); }, somna::Error);
}

// Client file names with folders and traversal are reduced to their base names; nothing is
// written outside the private folder, which is removed afterwards.
TEST(ServerUploadSafety, ClientFileNamesNeverBecomePaths) {
  ScratchDir outside;
  TestServer ts;
  auto c = ts.client();
  const std::string rel = "../../../../../../../../" + outside.str().substr(1) + "/evil";
  const Reply r = predict(*c, {file_part(sample_base() + ".hea", rel + ".hea"),
                               file_part(sample_base() + ".dat", "..\\..\\sample-night.dat")});
  // The header names sample-night.dat; the second part's base name is sample-night.dat.
  EXPECT_EQ(r.status, 200) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["night"]["record"]["source_path"], "evil.hea");
  EXPECT_EQ(outside.entries(), 0u);
  EXPECT_EQ(ts.uploads().entries(), 0u);
  // Control characters and empty names.
  const Reply r2 = predict(*c, {text_part(std::string("a\nb\0c.xyz", 9), "x"), text_part("", "y")});
  EXPECT_EQ(r2.status, 415) << r2.raw;
  EXPECT_EQ(r2.raw.find('\n'), std::string::npos);
}

// A header's record name and referenced file names are not paths either.
TEST(ServerUploadSafety, HeaderReferencesOutsideTheUploadAreRefused) {
  ScratchDir outside;
  write_bytes(outside.str() + "/victim.dat", std::string(2000, '\1'));
  TestServer ts;
  auto c = ts.client();
  const std::string dat = read_bytes(sample_base() + ".dat");
  for (const std::string& ref : {std::string("../victim.dat"), outside.str() + "/victim.dat",
                                 std::string("sub/../../victim.dat")}) {
    const std::string hea = "rec 1 100 1000\n" + ref + " 16 200 16 0 0 0 0 ECG\n";
    const Reply r = predict(*c, {text_part("rec.hea", hea), text_part("victim.dat", dat)});
    expect_error(r, 400);
    EXPECT_EQ(r.raw.find(ts.uploads().str()), std::string::npos) << r.raw;
  }
  // A record name that looks like a path is refused by the header parser.
  std::string hea = read_bytes(sample_base() + ".hea");
  hea.replace(0, std::string("sample-night").size(), "..\\..\\evil");
  expect_error(predict(*c, {text_part("x.hea", hea), file_part(sample_base() + ".dat")}), 400,
               "x.hea, line 1: bad record name");
  EXPECT_EQ(ts.uploads().entries(), 0u);
  EXPECT_TRUE(fs::exists(outside.str() + "/victim.dat"));
}

TEST(ServerUploadSafety, KeepStoresTheUploadsUnderTheRequestId) {
  ScratchDir keep;
  ServerOptions o;
  o.keep_dir = keep.str();
  TestServer ts(o);
  auto c = ts.client();
  const Reply r = predict(*c, sample_upload());
  ASSERT_EQ(r.status, 200);
  const std::string id = r.body["request_id"];
  EXPECT_TRUE(fs::is_regular_file(keep.path / id / "upload.hea"));
  EXPECT_EQ(fs::file_size(keep.path / id / "signal0.dat"), fs::file_size(sample_base() + ".dat"));
  EXPECT_EQ(ts.uploads().entries(), 0u);
}

struct WebRoot {
  ScratchDir dir;
  WebRoot() {
    fs::create_directories(dir.path / "assets");
    write_bytes(dir.str() + "/index.html", "<!doctype html><title>Somna</title>");
    write_bytes(dir.str() + "/assets/index-3f2a.js", "console.log(1)");
    write_bytes(dir.str() + "/assets/index-3f2a.css", "body{}");
    write_bytes(dir.str() + "/favicon.svg", "<svg/>");
  }
};

TEST(ServerStatic, ServesTheBuiltPageWithContentTypes) {
  WebRoot web;
  ScratchDir secret_parent;
  ServerOptions o;
  o.web_root = web.dir.str();
  TestServer ts(o);
  auto c = ts.client();
  auto r = c->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "<!doctype html><title>Somna</title>");
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  auto js = c->Get("/assets/index-3f2a.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js->get_header_value("Cache-Control").find("immutable"), std::string::npos);
  EXPECT_EQ(c->Get("/assets/index-3f2a.css")->get_header_value("Content-Type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(c->Get("/favicon.svg")->get_header_value("Content-Type"), "image/svg+xml");
  // Page routes fall back to index.html; missing files with an extension are 404 JSON.
  auto route = c->Get("/night/42");
  EXPECT_EQ(route->status, 200);
  EXPECT_EQ(route->body, "<!doctype html><title>Somna</title>");
  expect_error(to_reply(c->Get("/assets/missing.js")), 404);
  // Traversal never leaves the web root.
  write_bytes(web.dir.path.parent_path().string() + "/somna-secret.txt", "secret");
  for (const char* p :
       {"/../somna-secret.txt", "/assets/../../somna-secret.txt", "/%2e%2e/somna-secret.txt",
        "/..%2fsomna-secret.txt", "/assets/..%2F..%2Fsomna-secret.txt"}) {
    auto t = c->Get(p);
    if (t) {
      EXPECT_NE(t->body, "secret") << p;
    }
  }
  fs::remove(web.dir.path.parent_path() / "somna-secret.txt");
  // A symlink out of the root is not followed out.
  fs::create_symlink("/etc/hostname", web.dir.path / "host.txt");
  auto l = c->Get("/host.txt");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->status, 404);
}

TEST(ServerStatic, MissingWebRootSaysItWasNotBuilt) {
  ServerOptions o;
  o.web_root = "/nonexistent/somna/web/dist";
  TestServer ts(o);
  EXPECT_NE(ts.server().startup_line().find("not built"), std::string::npos);
  auto r = ts.client()->Get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("web page was not built"), std::string::npos);
  EXPECT_NE(r->body.find("make"), std::string::npos);
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
}

}  // namespace
}  // namespace somna::server::testing

namespace somna::server::testing {
namespace {

TEST(ServerLimits, SlowClientsAreCutOffAfterTheTimeout) {
  ServerOptions o;
  o.timeout_s = 1;
  TestServer ts(o);
  // Headers that never end.
  const auto [t1, r1] = stall(ts.port(), "GET /health HTTP/1.1\r\nHost: x\r\n", 6);
  EXPECT_GE(t1, 0.8) << r1;
  EXPECT_LT(t1, 4.0) << r1;
  // A body that never arrives.
  const auto [t2, r2] =
      stall(ts.port(),
            "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
            "boundary=b\r\nContent-Length: 100000\r\n\r\nabc",
            6);
  EXPECT_GE(t2, 0.8) << r2;
  EXPECT_LT(t2, 4.0) << r2;
  EXPECT_EQ(r2.rfind("HTTP/1.1 400", 0), 0u) << r2;
  // The server still answers.
  EXPECT_EQ(to_reply(ts.client()->Get("/health")).status, 200);
}

}  // namespace
}  // namespace somna::server::testing
