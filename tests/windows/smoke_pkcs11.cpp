// A minimal PKCS#11 driver DLL for the Windows smoke test (scripts/test-windows.sh): no slots,
// a known CK_INFO. The installed daemon loads it through the MODULES property, so the test sees
// LoadLibrary, GetProcAddress and the structure packing of Windows drivers (1-byte, from
// pkcs11.h) work end to end: system.info must show the manufacturer and description below.
// pkcs11.h then declares the entry points dllexport, as a driver's own build does.
#define CRYPTOKI_EXPORTS
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <cstring>

namespace {

bool initialized = false;

void blank_padded(unsigned char* field, std::size_t size, const char* text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text, std::min(size, std::strlen(text)));
}

CK_RV initialize(void*) {
  if (initialized) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
  initialized = true;
  return CKR_OK;
}

CK_RV finalize(void*) {
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  initialized = false;
  return CKR_OK;
}

CK_RV get_info(CK_INFO* info) {
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (info == nullptr) return CKR_ARGUMENTS_BAD;
  info->cryptokiVersion = {2, 40};
  blank_padded(info->manufacturerID, sizeof info->manufacturerID, "SealBridge smoke test");
  info->flags = 0;
  blank_padded(info->libraryDescription, sizeof info->libraryDescription, "Windows smoke driver");
  info->libraryVersion = {1, 7};
  return CKR_OK;
}

CK_RV get_slot_list(CK_BBOOL, CK_SLOT_ID*, CK_ULONG* count) {
  if (!initialized) return CKR_CRYPTOKI_NOT_INITIALIZED;
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  *count = 0;
  return CKR_OK;
}

CK_RV get_slot_info(CK_SLOT_ID, CK_SLOT_INFO*) {
  return CKR_SLOT_ID_INVALID;
}
CK_RV get_token_info(CK_SLOT_ID, CK_TOKEN_INFO*) {
  return CKR_SLOT_ID_INVALID;
}
CK_RV get_mechanism_list(CK_SLOT_ID, CK_MECHANISM_TYPE*, CK_ULONG*) {
  return CKR_SLOT_ID_INVALID;
}
CK_RV wait_for_slot_event(CK_FLAGS, CK_SLOT_ID*, void*) {
  return CKR_NO_EVENT;
}

CK_RV get_function_list(CK_FUNCTION_LIST** list);

CK_FUNCTION_LIST functions = [] {
  CK_FUNCTION_LIST f{};
  f.version = {2, 40};
  f.C_Initialize = initialize;
  f.C_Finalize = finalize;
  f.C_GetInfo = get_info;
  f.C_GetFunctionList = get_function_list;
  f.C_GetSlotList = get_slot_list;
  f.C_GetSlotInfo = get_slot_info;
  f.C_GetTokenInfo = get_token_info;
  f.C_GetMechanismList = get_mechanism_list;
  f.C_WaitForSlotEvent = wait_for_slot_event;
  return f;
}();

CK_RV get_function_list(CK_FUNCTION_LIST** list) {
  if (list == nullptr) return CKR_ARGUMENTS_BAD;
  *list = &functions;
  return CKR_OK;
}

}  // namespace

extern "C" CK_RV C_GetFunctionList(CK_FUNCTION_LIST** list) {
  return get_function_list(list);
}
