#include "service/signing.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/thread_name.hpp"
#include "service/page_pin_failures.hpp"
#include "service/pin_guard.hpp"

namespace sealbridge::service {

namespace {

const origin_signing_policy kDefaultPolicy{};

// Both point at the same living object (a page's connection, a key's insertion).
bool same_owner(const std::weak_ptr<const void>& a, const std::weak_ptr<const void>& b) {
  return !a.expired() && !a.owner_before(b) && !b.owner_before(a);
}

}  // namespace

const origin_signing_policy& signing_policy::for_origin(std::string_view origin) const {
  auto it = origins.find(origin);
  return it == origins.end() ? kDefaultPolicy : it->second;
}

std::string_view consent_mode_name(consent_mode mode) {
  switch (mode) {
    case consent_mode::each:
      return "each";
    case consent_mode::session:
      return "session";
    case consent_mode::none:
      break;
  }
  return "none";
}

struct signing_service::operation {
  signing_request request;
  signing_work work;
  signing_failed failed;
  origin_signing_policy policy;
  signer_certificate certificate;
  std::shared_ptr<secret> pin;  // from the dialog, or from the page where allowed
  bool confirm_final_try = false;
  std::optional<CK_OBJECT_HANDLE> found_private_key;  // by a fresh login, to keep with it

  void fail(std::exception_ptr thrown) const { failed(std::move(thrown)); }
};

// A login the user approved in "session" mode, kept for that page's connection. Created,
// used and destroyed on the key's worker only: its C_Logout must not race a signature.
struct signing_service::approved_session {
  std::string origin;
  std::weak_ptr<const void> connection;
  std::chrono::steady_clock::time_point expires;
  std::unique_ptr<pkcs11::session> logged_in;
  std::weak_ptr<const void> insertion;  // the key as it was plugged in at the login

  // What this login already read of the signers, by certificate id, so that the next request
  // of the same page signs without searching the key again (on real keys each search is a
  // round trip to the device). Stale once a certificate was written on the key since.
  struct known_signer {
    signer_certificate certificate;
    std::optional<CK_OBJECT_HANDLE> private_key;
    std::uint64_t certificate_writes = 0;
  };
  std::map<bytes, known_signer> signers;

  known_signer* signer(const bytes& cert_id, std::uint64_t writes_now) {
    auto it = signers.find(cert_id);
    if (it == signers.end() || it->second.certificate_writes != writes_now) return nullptr;
    return &it->second;
  }
};

signing_service::signing_service(token_registry& tokens, consent_prompter& prompter,
                                 signing_policy policy)
    : tokens_(tokens), prompter_(prompter), policy_(std::move(policy)) {
  for (const auto& [origin, rule] : policy_.origins) {
    if (rule.consent == consent_mode::none)
      spdlog::warn("origin {} signs WITHOUT asking the user (origin_policy consent \"none\")",
                   origin);
    if (rule.pin_from_page) spdlog::warn("origin {} may send the key's PIN itself", origin);
  }
  janitor_ = std::jthread([this](std::stop_token stop) {
    name_this_thread("sessions");
    expire_sessions(stop);
  });
}

signing_service::~signing_service() {
  janitor_.request_stop();
  sessions_wake_.notify_all();
  janitor_ = {};
}

void signing_service::sign(signing_request request, signing_work work, signing_failed failed) {
  auto op = std::make_shared<operation>();
  op->policy = policy_.for_origin(request.origin);
  op->request = std::move(request);
  op->work = std::move(work);
  op->failed = std::move(failed);
  if (op->request.page_pin && !op->request.page_pin->empty()) {
    if (!op->policy.pin_from_page) {
      op->fail(std::make_exception_ptr(
          error(errc::bad_params,
                "this portal may not send the PIN: the user types it in the signing dialog")));
      return;
    }
    op->pin = op->request.page_pin;
    // Before any dialog: a page that has used its tries must not make the user approve more.
    try {
      page_pin_failures::process_wide().check(op->request.token, op->request.origin,
                                              page_pin_failures::clock::now());
    } catch (const error&) {
      op->fail(std::current_exception());
      return;
    }
  }
  auto token = op->request.token;
  tokens_.submit(
      token, [this, op](token_access& key) { inspect(key, op); },
      [op](std::exception_ptr thrown) { op->fail(std::move(thrown)); });
}

void signing_service::inspect(const token_access& key, const std::shared_ptr<operation>& op) {
  if (op->request.prepare) op->request.prepare(key, op->request);
  // A page signing again under its kept login: nothing to show, nobody to log in, and the
  // signer is known unless a certificate was written since.
  if (op->policy.consent == consent_mode::session) {
    if (auto kept = take_session(key, *op)) {
      if (auto* known =
              kept->signer(op->request.cert_id, key.private_keys().certificate_writes())) {
        op->certificate = known->certificate;
        if (op->request.accept) op->request.accept(op->certificate);
        return run_approved(key, op);
      }
    }
  }
  {
    auto session = key.open_session(false);
    op->certificate = find_signer_certificate(session, op->request.cert_id);
  }
  if (op->request.accept) op->request.accept(op->certificate);
  auto info = key.refresh_info();
  if (info.flags.pin_locked) {
    error e(errc::pin_locked, "the key reports CKF_USER_PIN_LOCKED");
    e.tries_left = 0;
    throw e;
  }
  op->confirm_final_try = op->request.confirm_final_try;

  if (op->policy.consent == consent_mode::none) {
    spdlog::warn("key {}: {} signs with certificate {} without a dialog (policy)", key.token().id,
                 op->request.origin, to_hex(op->request.cert_id));
    return run_approved(key, op);
  }
  if (op->policy.consent == consent_mode::session && take_session(key, *op)) {
    return run_approved(key, op);
  }

  consent_request ask;
  ask.origin = op->request.origin;
  ask.title_zh = op->request.title_zh;
  ask.title_en = op->request.title_en;
  ask.signer = op->certificate.info.subject;
  ask.items = op->request.items;
  ask.item_count = op->request.item_count;
  ask.picture_png = op->request.picture_png;
  ask.want_pin = !info.flags.protected_auth_path && !op->pin;
  ask.pin_min = std::max<std::size_t>(info.min_pin_len, 1);
  if (info.max_pin_len > 0 && info.max_pin_len < 0x10000) ask.pin_max = info.max_pin_len;
  ask.final_try = info.flags.pin_final_try;
  if (info.flags.pin_final_try) ask.tries_left = 1;

  auto token = op->request.token;
  prompter_.ask(std::move(ask), [this, op, token, final_try = info.flags.pin_final_try](
                                    std::variant<consent_answer, error> outcome) {
    if (auto* refused = std::get_if<error>(&outcome)) {
      return op->fail(std::make_exception_ptr(*refused));
    }
    auto& answer = std::get<consent_answer>(outcome);
    if (!answer.approved) {
      return op->fail(std::make_exception_ptr(
          error(errc::cancelled, "the user declined in the signing dialog")));
    }
    if (!answer.pin.empty()) op->pin = std::make_shared<secret>(std::move(answer.pin));
    // The dialog told the user this was the last try before they typed it.
    if (final_try) op->confirm_final_try = true;
    tokens_.submit(
        token, [this, op](token_access& later) { run_approved(later, op); },
        [op](std::exception_ptr thrown) { op->fail(std::move(thrown)); });
  });
}

std::shared_ptr<signing_service::approved_session> signing_service::take_session(
    const token_access& key, const operation& op) {
  std::lock_guard lock(sessions_mutex_);
  auto it = sessions_.find(op.request.token);
  if (it == sessions_.end()) return nullptr;
  const auto& cached = *it->second;
  if (cached.origin == op.request.origin && same_owner(cached.connection, op.request.connection) &&
      same_owner(cached.insertion, key.insertion()) &&
      std::chrono::steady_clock::now() < cached.expires)
    return it->second;
  // Another page (or a stale one): its login must not serve this request. We are on the key's
  // worker, so logging it out here cannot race a signature.
  sessions_.erase(it);
  return nullptr;
}

void signing_service::run_approved(const token_access& key, const std::shared_ptr<operation>& op) {
  std::shared_ptr<approved_session> reused;
  if (op->policy.consent == consent_mode::session) reused = take_session(key, *op);

  std::unique_ptr<pkcs11::session> own;
  pkcs11::session* session = nullptr;
  if (reused) {
    session = reused->logged_in.get();
  } else {
    // A login kept for another page would make C_Login answer "already logged in" and so skip
    // checking the PIN typed now: end it first (on this worker, so no signature is cut short).
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.erase(key.token().id);
    }
    own = std::make_unique<pkcs11::session>(key.open_session(false));
    static const secret no_pin;
    const bool from_page = op->pin && op->pin == op->request.page_pin;
    login_request login{op->pin ? *op->pin : no_pin, op->request.origin, op->confirm_final_try,
                        from_page};
    guarded_login(key, *own, login);
    session = own.get();
  }
  // The PIN has done its work; the dialog's copy goes now.
  op->pin.reset();

  std::unique_ptr<signing_key> signer;
  if (reused) {
    const auto writes = key.private_keys().certificate_writes();
    auto* known = reused->signer(op->request.cert_id, writes);
    if (!known) {
      known = &(reused->signers[op->request.cert_id] = {op->certificate, std::nullopt, writes});
    }
    signer =
        open_signing_key(*session, key.token().module.sm2, op->certificate, known->private_key);
  } else {
    std::optional<CK_OBJECT_HANDLE> found;
    signer = open_signing_key(*session, key.token().module.sm2, op->certificate, found);
    if (op->policy.consent == consent_mode::session)
      op->found_private_key = found;  // kept with the login below
  }
  op->work(*signer, key, *session);

  if (own && op->policy.consent == consent_mode::session && !op->request.connection.expired()) {
    auto kept = std::make_shared<approved_session>();
    kept->origin = op->request.origin;
    kept->connection = op->request.connection;
    kept->expires = std::chrono::steady_clock::now() + policy_.session_lifetime;
    kept->logged_in = std::move(own);
    kept->insertion = key.insertion();
    kept->signers[op->request.cert_id] = {op->certificate, op->found_private_key,
                                          key.private_keys().certificate_writes()};
    std::lock_guard lock(sessions_mutex_);
    sessions_[key.token().id] = std::move(kept);
  }
}

void signing_service::expire_sessions(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::vector<std::pair<std::string, std::shared_ptr<approved_session>>> expired;
    {
      std::unique_lock lock(sessions_mutex_);
      sessions_wake_.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
      auto now = std::chrono::steady_clock::now();
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (now >= it->second->expires || it->second->connection.expired()) {
          expired.emplace_back(it->first, std::move(it->second));
          it = sessions_.erase(it);
        } else {
          ++it;
        }
      }
    }
    // Logged out on the key's own worker, in turn with its other work.
    for (auto& [token, session] : expired) {
      tokens_.post(token,
                   [session = std::move(session)](token_access&) mutable { session.reset(); });
    }
  }
  std::lock_guard lock(sessions_mutex_);
  sessions_.clear();
}

}  // namespace sealbridge::service
