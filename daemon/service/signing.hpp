#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "service/consent.hpp"
#include "service/signing_key.hpp"
#include "service/token_registry.hpp"

// Who may sign, and the path every signature takes: look at the key, ask the user in the
// native dialog (the page can neither draw nor answer it), log in, sign. Each step is posted
// to the next thread (key worker, dialog broker, key worker); nothing waits for another.
namespace sealbridge::service {

enum class consent_mode {
  each,     // a dialog for every signing request (the default)
  session,  // one approval and one login cover that page's connection for a few minutes
  none,     // unattended intranet signing; loudly logged
};

struct origin_signing_policy {
  consent_mode consent = consent_mode::each;
  bool pin_from_page = false;  // the page may send the PIN (only with consent "none" useful)
};

struct signing_policy {
  std::map<std::string, origin_signing_policy, std::less<>> origins;
  std::chrono::seconds session_lifetime{300};
  // Origins absent from the map get the default: a dialog each time, the PIN typed there.
  const origin_signing_policy& for_origin(std::string_view origin) const;
};

std::string_view consent_mode_name(consent_mode mode);

// One request to sign something: what the dialog shows and whose key it is.
struct signing_request {
  std::string token;
  bytes cert_id;
  std::string origin;
  std::weak_ptr<const void> connection;  // the page's WebSocket, for "session" consent
  std::string title_zh, title_en;
  std::vector<consent_item> items;
  std::size_t item_count = 1;
  bytes picture_png;
  std::shared_ptr<secret> page_pin;  // honoured only when the origin may send PINs
  bool confirm_final_try = false;

  // Optional steps on the key's worker before the dialog: `prepare` may read the key (the
  // seal to show, the certificate a seal is bound to) and fill in the fields above; `accept`
  // refuses a request the certificate cannot serve, so the user is never asked in vain.
  std::function<void(const token_access& key, signing_request& request)> prepare;
  std::function<void(const signer_certificate& certificate)> accept;
};

// Runs on the key's worker, logged in (`session` sees private objects), once the user
// approved. It answers the caller itself; what it throws goes to the failure callback.
using signing_work = std::function<void(signing_key& key, const token_access& access,
                                        const pkcs11::session& session)>;
using signing_failed = std::function<void(std::exception_ptr)>;

class signing_service {
 public:
  signing_service(token_registry& tokens, consent_prompter& prompter, signing_policy policy);
  ~signing_service();
  signing_service(const signing_service&) = delete;
  signing_service& operator=(const signing_service&) = delete;

  void sign(signing_request request, signing_work work, signing_failed failed);

  const signing_policy& policy() const noexcept { return policy_; }

 private:
  struct operation;
  struct approved_session;

  void inspect(const token_access& key, const std::shared_ptr<operation>& op);
  void run_approved(const token_access& key, const std::shared_ptr<operation>& op);
  std::shared_ptr<approved_session> take_session(const token_access& key, const operation& op);
  void expire_sessions(std::stop_token stop);

  token_registry& tokens_;
  consent_prompter& prompter_;
  signing_policy policy_;

  std::mutex sessions_mutex_;
  std::map<std::string, std::shared_ptr<approved_session>> sessions_;  // by token id
  std::condition_variable_any sessions_wake_;
  std::jthread janitor_;
};

}  // namespace sealbridge::service
