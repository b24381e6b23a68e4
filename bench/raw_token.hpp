#pragma once

#include <p11-kit/pkcs11.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

// The ceiling every daemon figure is compared with: C_Sign on the same key, in this process,
// through the same driver, with one session logged in once.
namespace sealbridge::bench {

using byte_string = std::vector<std::uint8_t>;

class raw_token {
 public:
  raw_token(const std::string& module_path, const std::string& serial, const std::string& pin);
  ~raw_token();
  raw_token(const raw_token&) = delete;
  raw_token& operator=(const raw_token&) = delete;

  // Signatures per second over `input` with the private key whose CKA_ID is `key_id`, from
  // `threads` threads (one session each) for about `duration`.
  double sign_rate(const byte_string& key_id, CK_MECHANISM_TYPE mechanism, const byte_string& input,
                   std::chrono::milliseconds duration, unsigned threads = 1);
  // Wall time of the PKCS#11 steps a signing request takes, in microseconds each, measured in
  // this process on this token: what the daemon pays per request beyond C_Sign.
  std::vector<std::pair<std::string, double>> step_costs(const byte_string& key_id, int rounds);

  // CPU time per signature in the last sign_rate(), in microseconds (the driver's own work).
  double last_cpu_per_signature_us() const { return last_cpu_us_; }

 private:
  CK_OBJECT_HANDLE find_key(CK_SESSION_HANDLE session, const byte_string& key_id);
  CK_SESSION_HANDLE open_session();

  void* library_ = nullptr;
  CK_FUNCTION_LIST_PTR p11_ = nullptr;
  CK_SLOT_ID slot_ = 0;
  CK_SESSION_HANDLE login_session_ = CK_INVALID_HANDLE;
  double last_cpu_us_ = 0;
};

// DigestInfo prefix for SHA-256 (PKCS#1 v1.5), what CKM_RSA_PKCS signs.
byte_string sha256_digest_info(const byte_string& hash);

}  // namespace sealbridge::bench
