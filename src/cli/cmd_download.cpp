// `somna download apnea-ecg --to DIR [--base-url URL] [--all]`: fetches the PhysioNet Apnea-ECG
// database over HTTPS (cpp-httplib + OpenSSL), file list and checksums from its SHA256SUMS(.txt),
// and verifies every file's SHA-256. By default only what training needs (headers, .apn labels,
// .qrs beats, text files); --all adds the ECG signals. Files already present with the right hash
// are kept (a rerun resumes). Exit 1 when a file fails its checksum or cannot be fetched.

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "io/file_write.hpp"

namespace somna::cli {
namespace {

namespace fs = std::filesystem;

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  std::string h;
  for (unsigned i = 0; i < n; ++i) h += fmt::format("{:02x}", md[i]);
  return h;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Url {
  std::string origin, path;  // "https://host:port", "/files/apnea-ecg/1.0.0/"
};
Url split_url(std::string u) {
  const size_t s = u.find("://");
  if (s == std::string::npos) throw Error(u, "--base-url must start with http:// or https://");
  const size_t p = u.find('/', s + 3);
  Url r;
  r.origin = p == std::string::npos ? u : u.substr(0, p);
  r.path = p == std::string::npos ? "/" : u.substr(p);
  if (r.path.back() != '/') r.path += '/';
  return r;
}

bool wanted(const std::string& name, bool all) {
  if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) return false;
  if (all) return true;
  const std::string ext = fs::path(name).extension().string();
  return ext == ".hea" || ext == ".apn" || ext == ".qrs" || ext == ".txt";
}

}  // namespace

SOMNA_COMMAND({"download", "download a database (apnea-ecg) over HTTPS and verify its SHA256SUMS",
               [](CLI::App& app) -> Runner {
                 auto db = std::make_shared<std::string>();
                 auto to = std::make_shared<std::string>();
                 auto base =
                     std::make_shared<std::string>("https://physionet.org/files/apnea-ecg/1.0.0/");
                 auto all = std::make_shared<bool>(false);
                 app.add_option("database", *db, "database name (apnea-ecg)")->required();
                 app.add_option("--to", *to, "destination folder")->required();
                 app.add_option("--base-url", *base, "mirror URL (default PhysioNet)");
                 app.add_flag("--all", *all, "also the ECG signal files (.dat, ~500 MB)");
                 return [=]() -> int {
                   if (*db != "apnea-ecg")
                     throw Error({}, "unknown database '" + *db + "' (known: apnea-ecg)");
                   const Url u = split_url(*base);
                   httplib::Client cli(u.origin);
                   cli.set_follow_location(true);
                   cli.set_connection_timeout(20);
                   cli.set_read_timeout(120);
                   std::string sums;
                   std::string sums_name;
                   for (const char* n : {"SHA256SUMS.txt", "SHA256SUMS"}) {
                     auto r = cli.Get(u.path + n);
                     if (r && r->status == 200) {
                       sums = r->body, sums_name = n;
                       break;
                     }
                   }
                   if (sums_name.empty()) {
                     std::cerr << "download: cannot fetch SHA256SUMS from " << *base << "\n";
                     return kExitFailure;
                   }
                   fs::create_directories(*to);
                   std::istringstream ss(sums);
                   std::string line;
                   size_t ok = 0, bad = 0, kept = 0;
                   while (std::getline(ss, line)) {
                     std::istringstream ls(line);
                     std::string hash, name;
                     if (!(ls >> hash >> name) || hash.size() != 64) continue;
                     if (!name.empty() && name[0] == '*') name.erase(0, 1);
                     if (!wanted(name, *all)) continue;
                     const fs::path dst = fs::path(*to) / name;
                     if (fs::exists(dst) && sha256_hex(read_file(dst)) == hash) {
                       ++kept;
                       continue;
                     }
                     auto r = cli.Get(u.path + name);
                     if (!r || r->status != 200) {
                       std::cerr << fmt::format(
                           "download: {}: {}\n", name,
                           r ? fmt::format("HTTP {}", r->status) : httplib::to_string(r.error()));
                       ++bad;
                       continue;
                     }
                     if (sha256_hex(r->body) != hash) {
                       std::cerr << fmt::format("download: {}: SHA-256 mismatch (file not kept)\n",
                                                name);
                       ++bad;
                       continue;
                     }
                     io::write_file(dst.string(), r->body);
                     ++ok;
                     std::cerr << "\rdownloaded " << ok << " files" << std::flush;
                   }
                   io::write_file((fs::path(*to) / sums_name).string(), sums);
                   std::cerr << fmt::format("\n{} downloaded, {} already present, {} failed\n", ok,
                                            kept, bad);
                   return bad ? kExitFailure : kExitOk;
                 };
               }});

}  // namespace somna::cli
