#pragma once

#include <memory>

#include "service/update_check.hpp"

namespace sealbridge::net {

// HTTPS GET for the update check: verifies the server's certificate against the system's roots
// (plus the request's extra CA file) and its host name, follows no redirect, and bounds the
// body and the whole exchange. Runs on its own I/O thread, never on the API's or the
// listener's; completions are invoked there.
class https_client final : public service::https_fetcher {
 public:
  https_client();
  ~https_client() override;  // stop()
  https_client(const https_client&) = delete;
  https_client& operator=(const https_client&) = delete;

  void fetch(service::https_fetch_request request, service::fetch_done done) override;
  // Ends the I/O thread; fetches still in flight are dropped without their callback. Call it
  // before destroying what those callbacks refer to.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sealbridge::net
