// Status, type name and JSON body of API errors; stage exceptions -> statuses (http_error.hpp).

#include "server/http_error.hpp"

#include "common/error.hpp"
#include "server/http_status.hpp"

namespace somna::server {

HttpError::HttpError(int status, std::string message)
    : std::runtime_error(std::move(message)), status_(status) {}

std::string default_error_message(int status) {
  const char* m = http_status(status).message;
  return *m ? m : "HTTP error " + std::to_string(status);
}

nlohmann::json error_body(int status, const std::string& message, const std::string& request_id) {
  return {{"success", false},
          {"error",
           {{"code", status},
            {"type", http_status(status).type},
            {"message", message},
            {"request_id", request_id}}}};
}

MappedError map_exception(std::exception_ptr e, Stage stage,
                          const std::function<std::string(const std::string&)>& scrub) {
  auto clean = [&](const std::string& s) { return scrub ? scrub(s) : s; };
  MappedError m;
  try {
    std::rethrow_exception(e);
  } catch (const HttpError& x) {
    m.status = x.status();
    m.message = clean(x.what());
  } catch (const model::ModelError&) {
    // The model is the server's, not the client's: an internal error.
    m.status = 500;
    m.log_details = true;
  } catch (const io::UnsupportedError& x) {
    m.status = 415;
    m.message = clean(x.what());
  } catch (const Error& x) {
    // After the record was read, any failure means it holds no usable ECG.
    m.status = stage == Stage::Analyse ? 422 : 400;
    m.message = clean(x.what());
  } catch (const std::bad_alloc&) {
    m.status = 500;
    m.log_details = true;
  } catch (...) {
    m.status = 500;
    m.log_details = true;
  }
  if (m.status == 500) m.message = "internal error";
  return m;
}

}  // namespace somna::server
