#pragma once

#include <p11-kit/pkcs11.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "pkcs11/token_info.hpp"

namespace sealbridge::pkcs11 {

// One loaded and initialized PKCS#11 module (vendor driver).
//
// There is at most one live `module` per canonical path in the process: a module's
// C_Initialize/C_Finalize state is global to the library, so two owners of the same driver
// would finalize it under each other's feet. load() hands out the existing object while anyone
// still holds it; when the last holder lets go, the driver is finalized and unloaded, and a
// later load() starts afresh (SoftHSM, for one, only sees tokens created since then).
//
// All members are const and may be called from several threads: the driver is initialized with
// CKF_OS_LOCKING_OK (see module.cpp).
class module : public std::enable_shared_from_this<module> {
 public:
  // Throws error(errc::module_load_failed, "dlopen: ..." / "C_GetFunctionList: ..." /
  // "C_Initialize: CKR_...").
  static std::shared_ptr<module> load(const std::filesystem::path& path);

  ~module();
  module(const module&) = delete;
  module& operator=(const module&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const CK_FUNCTION_LIST& api() const { return *api_; }

  library_info info() const;
  std::vector<CK_SLOT_ID> slots(bool token_present) const;
  token_info token(CK_SLOT_ID slot) const;
  bool token_present(CK_SLOT_ID slot) const;
  // A non-blocking C_WaitForSlotEvent. nullopt when nothing happened; throws
  // error(errc::not_supported) when the driver has no slot events (callers then poll slots()).
  std::optional<CK_SLOT_ID> poll_slot_event() const;
  std::vector<CK_MECHANISM_TYPE> mechanisms(CK_SLOT_ID slot) const;

 private:
  struct private_tag {};

 public:
  module(private_tag, std::filesystem::path path);

 private:
  void open();

  std::filesystem::path path_;
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* api_ = nullptr;
  bool finalize_ = false;  // false when someone else in the process initialized the driver
};

}  // namespace sealbridge::pkcs11
