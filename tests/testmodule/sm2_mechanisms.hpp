#pragma once

// The vendor codes under which libsbtest-pkcs11.so exposes SM2, the way Chinese UKey drivers do
// (PKCS#11 v2.40 has no SM2; vendors put it in the CKM_VENDOR_DEFINED / CKK_VENDOR_DEFINED
// ranges). Test code that drives the module includes this header; the daemon itself must learn
// the codes from its per-module configuration, as with a real vendor driver.

#include <p11-kit/pkcs11.h>

#include <array>
#include <string_view>

namespace sealbridge::testmodule {

// Key type of SM2 key objects (CKA_KEY_TYPE).
inline constexpr CK_KEY_TYPE ckk_vendor_sm2 = 0x80000101UL;

// Raw SM2 signature. Input: e = SM3(Z || M), exactly 32 bytes. Parameter: none.
inline constexpr CK_MECHANISM_TYPE ckm_vendor_sm2 = 0x80008000UL;
// Key pair generation. Templates as for EC keys; CKA_ID / CKA_LABEL / CKA_TOKEN are kept.
inline constexpr CK_MECHANISM_TYPE ckm_vendor_sm2_key_pair_gen = 0x80008001UL;
// SM3-with-SM2 over the message (the module computes Z and e). Parameter: the signer's user
// ID bytes; no parameter means the GM/T 0009 default "1234567812345678".
inline constexpr CK_MECHANISM_TYPE ckm_vendor_sm3_sm2 = 0x80008100UL;
// Plain SM3 digest (C_Digest*), 32 bytes out.
inline constexpr CK_MECHANISM_TYPE ckm_vendor_sm3 = 0x80008200UL;

inline constexpr std::string_view sm2_default_user_id = "1234567812345678";

// CKA_EC_PARAMS of SM2 keys: DER OBJECT IDENTIFIER 1.2.156.10197.1.301 (the SM2 curve).
inline constexpr std::array<unsigned char, 10> sm2_ec_params = {0x06, 0x08, 0x2A, 0x81, 0x1C,
                                                                0xCF, 0x55, 0x01, 0x82, 0x2D};

// Signatures from both signing mechanisms are raw r || s (64 bytes, big-endian, zero-padded)
// by default, or DER SEQUENCE { INTEGER r, INTEGER s } with
// SEALBRIDGE_TESTMODULE_SM2_SIGNATURE=der.
inline constexpr CK_ULONG sm2_raw_signature_len = 64;

}  // namespace sealbridge::testmodule
