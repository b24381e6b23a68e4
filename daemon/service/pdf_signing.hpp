#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/cms_verify.hpp"
#include "pdf/pdf_signer.hpp"
#include "service/signing_key.hpp"

// PDFs stamped with a visible seal and signed on the key, and the signatures already in a PDF
// checked. The PDF layer writes the increment and reads signatures back; this file joins it to
// the key (CMS made on the key) and to the verifier.
namespace sealbridge::service {

// Where a seal goes, as a page gives it: a point on the visible page, a keyword in its text,
// or a riding seal across the right edge of a range of pages.
struct keyword_placement {
  std::string keyword;
  int occurrence = 1;  // 1-based, in reading order across the document
};
using pdf_placement = std::variant<pdf::at_position, keyword_placement, pdf::riding>;

// Resolves a keyword to the centre of its occurrence (PDF_INVALID/BAD_PARAMS/OBJECT_NOT_FOUND);
// the other placements pass unchanged.
pdf::placement resolve_placement(const std::filesystem::path& input, const pdf_placement& where);

struct pdf_signed {
  std::vector<int> pages;
  std::array<std::uint64_t, 4> byte_range{};
  std::string sub_filter;
  std::string field_name;
};

// Told how far a long signing has got: stage "writing" (the copy plus the update), "hashing"
// (bytes of the covered ranges) or "signing" (on the key). May throw (e.g. CANCELLED) to stop
// the work; the output is then removed like on any failure.
using pdf_progress =
    std::function<void(std::string_view stage, std::uint64_t done, std::uint64_t total)>;

// Writes `input` plus one incremental update to `output`: the seal's picture at its place and
// a CMS made on the key over the covered bytes (PAdES B-B, no signingTime: ETSI.CAdES.detached
// with SHA-256 for RSA and ECDSA; the SM2/SM3 identifiers for SM2 keys). The document is
// hashed as a stream, never held in memory. Nothing is left at `output` on failure.
pdf_signed sign_pdf(signing_key& key, const std::filesystem::path& input,
                    const std::filesystem::path& output, pdf::signature_spec spec,
                    const pdf_progress& progress = {});

struct pdf_signature_report {
  pdf::found_signature found;
  std::string kind;  // "CMS" or "SES_Signature"
  bool valid = false;
  bool trusted = false;
  bytes signer_cert_der;
  // The seal: from the SES_Signature itself, or from what a SealBridge signer wrote beside
  // its CMS. Empty when the signature does not say.
  std::string seal_name, seal_es_id;
  std::optional<sys_seconds> signed_at;
  std::vector<std::string> errors;
};

// Every signature in `input`, each checked over its own byte ranges.
std::vector<pdf_signature_report> verify_pdf(const std::filesystem::path& input,
                                             const std::vector<bytes>& trusted_roots);

}  // namespace sealbridge::service
