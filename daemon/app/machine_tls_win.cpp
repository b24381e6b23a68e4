#include <windows.h>
// After windows.h, which they need.
#include <aclapi.h>
#include <sddl.h>
#include <wincrypt.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/machine_tls.hpp"
#include "core/error.hpp"
#include "core/win32_text.hpp"

namespace sealbridge::app {
namespace {

// The subject every root of crypto::mint_local_tls carries: CN "SealBridge Local Root " and
// eight hex digits, issued by itself.
constexpr std::wstring_view kRootNamePrefix = L"SealBridge Local Root ";
constexpr const wchar_t* kFriendlyName = L"SealBridge Local Root";

[[noreturn]] void fail(const std::string& what) {
  throw error(errc::io_error, what + " (Windows error " + std::to_string(GetLastError()) + ")");
}

struct machine_root_store {
  HCERTSTORE handle = nullptr;
  machine_root_store() {
    handle =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                      CERT_SYSTEM_STORE_LOCAL_MACHINE | CERT_STORE_OPEN_EXISTING_FLAG, L"ROOT");
    if (handle == nullptr) fail("cannot open the machine's trusted roots (LocalMachine\\ROOT)");
  }
  ~machine_root_store() { CertCloseStore(handle, 0); }
  machine_root_store(const machine_root_store&) = delete;
  machine_root_store& operator=(const machine_root_store&) = delete;
};

struct local_free {
  void operator()(void* memory) const { LocalFree(memory); }
};

std::vector<BYTE> der_from_pem(std::string_view pem) {
  DWORD size = 0;
  if (!CryptStringToBinaryA(pem.data(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER,
                            nullptr, &size, nullptr, nullptr))
    throw error(errc::bad_params, "the local root is not a PEM certificate");
  std::vector<BYTE> der(size);
  if (!CryptStringToBinaryA(pem.data(), static_cast<DWORD>(pem.size()), CRYPT_STRING_BASE64HEADER,
                            der.data(), &size, nullptr, nullptr))
    throw error(errc::bad_params, "the local root is not a PEM certificate");
  der.resize(size);
  return der;
}

std::wstring common_name(PCCERT_CONTEXT cert, DWORD which) {
  wchar_t name[256] = {};
  CertGetNameStringW(cert, CERT_NAME_ATTR_TYPE, which, const_cast<char*>(szOID_COMMON_NAME), name,
                     256);
  return name;
}

// Ours: a self-issued certificate named as mint_local_tls names its roots. Roots of other
// products never match; a stale root of ours does, whatever its key.
bool is_sealbridge_root(PCCERT_CONTEXT cert) {
  const auto subject = common_name(cert, 0);
  return subject.starts_with(kRootNamePrefix) &&
         subject == common_name(cert, CERT_NAME_ISSUER_FLAG) &&
         CertCompareCertificateName(X509_ASN_ENCODING, &cert->pCertInfo->Subject,
                                    &cert->pCertInfo->Issuer);
}

bool same_bytes(PCCERT_CONTEXT cert, const std::vector<BYTE>& der) {
  return cert->cbCertEncoded == der.size() &&
         std::equal(der.begin(), der.end(), cert->pbCertEncoded);
}

// Deletes our roots other than `keep` (empty: all of them); returns how many went. First the
// whole enumeration, then the deletions: wine's ROOT store restarts or repeats an
// enumeration whose current certificate was deleted (it spun forever there).
int delete_sealbridge_roots(HCERTSTORE store, const std::vector<BYTE>& keep) {
  std::vector<PCCERT_CONTEXT> doomed;
  PCCERT_CONTEXT cert = nullptr;
  while ((cert = CertEnumCertificatesInStore(store, cert)) != nullptr) {
    if (is_sealbridge_root(cert) && (keep.empty() || !same_bytes(cert, keep)))
      doomed.push_back(CertDuplicateCertificateContext(cert));
  }
  int deleted = 0;
  bool failed = false;
  for (auto* context : doomed) {
    // Frees `context`, whether or not it succeeds.
    if (CertDeleteCertificateFromStore(context))
      ++deleted;
    else
      failed = true;
  }
  if (failed) fail("cannot delete an earlier SealBridge root from LocalMachine\\ROOT");
  return deleted;
}

}  // namespace

void restrict_machine_tls_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw error(errc::io_error, "cannot create " + utf8_from_wide(dir.wstring()));
  // Protected: nothing inherited from ProgramData, where Users may create files. OICI: the
  // files inside get the same.
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(
          L"D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FR;;;BU)", SDDL_REVISION_1, &descriptor,
          nullptr))
    fail("cannot build the TLS directory's access list");
  std::unique_ptr<void, local_free> owned(descriptor);
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  if (!GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted) || !present)
    fail("cannot read the TLS directory's access list");
  std::wstring path = dir.wstring();
  const DWORD status = SetNamedSecurityInfoW(
      path.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
      nullptr, nullptr, dacl, nullptr);
  if (status != ERROR_SUCCESS) {
    SetLastError(status);
    fail("cannot set the access list of " + utf8_from_wide(path));
  }
}

void trust_machine_root(std::string_view root_pem) {
  const auto der = der_from_pem(root_pem);
  machine_root_store store;
  PCCERT_CONTEXT added = nullptr;
  if (!CertAddEncodedCertificateToStore(store.handle, X509_ASN_ENCODING, der.data(),
                                        static_cast<DWORD>(der.size()),
                                        CERT_STORE_ADD_REPLACE_EXISTING, &added))
    fail("cannot add the local root to LocalMachine\\ROOT");
  // The name certmgr.msc shows, so that an administrator knows what it is.
  CRYPT_DATA_BLOB friendly{static_cast<DWORD>((wcslen(kFriendlyName) + 1) * sizeof(wchar_t)),
                           reinterpret_cast<BYTE*>(const_cast<wchar_t*>(kFriendlyName))};
  CertSetCertificateContextProperty(added, CERT_FRIENDLY_NAME_PROP_ID, 0, &friendly);
  CertFreeCertificateContext(added);
  delete_sealbridge_roots(store.handle, der);
}

int distrust_machine_roots() {
  machine_root_store store;
  return delete_sealbridge_roots(store.handle, {});
}

}  // namespace sealbridge::app
