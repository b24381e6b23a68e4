#pragma once

#include <p11-kit/pkcs11.h>

#include <string>

namespace sealbridge::testmodule {

// The real module every call is forwarded to, named by SEALBRIDGE_TESTMODULE_TARGET.
class target {
 public:
  target() = default;
  ~target();
  target(const target&) = delete;
  target& operator=(const target&) = delete;

  // Loads the module once; later calls are no-ops. Returns false (with why()) on failure.
  bool load();
  bool loaded() const { return api_ != nullptr; }
  CK_FUNCTION_LIST& api() const { return *api_; }
  const std::string& why() const { return why_; }

 private:
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* api_ = nullptr;
  std::string why_;
};

}  // namespace sealbridge::testmodule
