#pragma once
// HTTP errors of the API: HttpError (a status, a short type name and a message safe to show the
// client), the JSON body {success:false, error:{code, type, message, request_id}}, and the mapping
// from Somna's stage exceptions to statuses (io::FormatError 400, io::UnsupportedError 415,
// analysis failures 422, anything unexpected 500 without details).

#include <exception>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace somna::server {

class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string message);
  int status() const noexcept { return status_; }

 private:
  int status_;
};

// The message of a status without a more specific one (http_status.hpp's table).
std::string default_error_message(int status);

nlohmann::json error_body(int status, const std::string& message, const std::string& request_id);

// Which stage an exception escaped from decides its status.
enum class Stage { Upload, Read, Analyse };

struct MappedError {
  int status = 500;
  std::string message;       // for the client (temporary paths already replaced)
  bool log_details = false;  // true for 500: the full what() goes to the log only
};

// Maps the exception `e` (rethrown inside) to a status and a client message. `scrub` replaces the
// server's temporary paths in messages by the client's file names.
MappedError map_exception(std::exception_ptr e, Stage stage,
                          const std::function<std::string(const std::string&)>& scrub);

}  // namespace somna::server
