#include "service/pdf_signing.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

#include "core/error.hpp"
#include "crypto/cms_sign.hpp"
#include "crypto/digest.hpp"
#include "pdf_text/text_locate.hpp"
#include "seal/decode.hpp"
#include "seal/verify.hpp"

namespace sealbridge::service {
namespace {

// Chain certificates and a timestamp fit easily; a CMS that still does not fit is made again
// with room for it rather than truncated.
constexpr std::size_t kContentsReserve = 16384;

crypto::external_signer signer_for(signing_key& key) {
  crypto::external_signer signer;
  signer.certificate_der = key.certificate().der;
  signer.sign_message = [&key](byte_view message, crypto::digest_alg digest) {
    return sign_message(key, message, digest);
  };
  return signer;
}

bytes covered_digest(const pdf::pending_signature& pending, crypto::digest_alg alg,
                     const pdf_progress& progress) {
  constexpr std::uint64_t report_every = 4 * 1024 * 1024;
  const auto range = pending.byte_range();
  const std::uint64_t total = range[1] + range[3];
  std::uint64_t done = 0, reported = 0;
  crypto::digest_stream stream(alg);
  if (progress) progress("hashing", 0, total);
  pending.for_each_covered_chunk([&](byte_view chunk) {
    stream.update(chunk);
    done += chunk.size();
    if (progress && done - reported >= report_every) {
      reported = done;
      progress("hashing", done, total);
    }
  });
  if (progress) progress("hashing", done, total);
  return stream.finish();
}

// Streams a file's byte ranges (offset, length pairs) to `sink` in bounded chunks.
void feed_ranges(const std::filesystem::path& file, const std::array<std::uint64_t, 4>& range,
                 const std::function<void(byte_view)>& sink) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error(errc::io_error, "cannot read " + file.filename().string());
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (int part = 0; part < 2; ++part) {
    std::uint64_t offset = range[2 * part];
    std::uint64_t left = range[2 * part + 1];
    in.seekg(static_cast<std::streamoff>(offset));
    while (left > 0 && in) {
      auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buffer.size()));
      in.read(reinterpret_cast<char*>(buffer.data()), want);
      auto got = in.gcount();
      if (got <= 0) break;
      sink(byte_view(buffer.data(), static_cast<std::size_t>(got)));
      left -= static_cast<std::uint64_t>(got);
    }
    if (left > 0) throw error(errc::pdf_invalid, "a signature's byte range runs past the file");
  }
}

bool looks_like_cms(byte_view der) {
  if (der.size() < 4 || der[0] != 0x30) return false;
  std::size_t at = 1;
  if (der[at] & 0x80) at += der[at] & 0x7f;
  ++at;
  return at < der.size() && der[at] == 0x06;
}

}  // namespace

pdf::placement resolve_placement(const std::filesystem::path& input, const pdf_placement& where) {
  if (const auto* at = std::get_if<pdf::at_position>(&where)) return *at;
  if (const auto* ride = std::get_if<pdf::riding>(&where)) return *ride;
  const auto& keyword = std::get<keyword_placement>(where);
  if (keyword.keyword.empty()) throw error(errc::bad_params, "placement.keyword is empty");
  if (keyword.occurrence < 1) throw error(errc::bad_params, "placement.occurrence starts at 1");
  auto hits = pdf::find_text(input, keyword.keyword);
  if (hits.size() < static_cast<std::size_t>(keyword.occurrence)) {
    throw error(errc::object_not_found, "the text \"" + keyword.keyword + "\" occurs " +
                                            std::to_string(hits.size()) +
                                            " times in the document's readable text");
  }
  const auto& hit = hits[static_cast<std::size_t>(keyword.occurrence - 1)];
  // The seal is centred on the words, as a clerk stamps over "（盖章）".
  return pdf::at_point{hit.page, (hit.box[0] + hit.box[2]) / 2, (hit.box[1] + hit.box[3]) / 2};
}

pdf_signed sign_pdf(signing_key& key, const std::filesystem::path& input,
                    const std::filesystem::path& output, pdf::signature_spec spec,
                    const pdf_progress& progress) {
  bool sm2 = key.certificate().family == key_family::sm2;
  crypto::cms_options options;
  options.digest = sm2 ? crypto::digest_alg::sm3 : crypto::digest_alg::sha256;
  options.detached = true;
  options.pades = true;  // the time is the PDF's /M; PAdES forbids signingTime
  spec.sub_filter = "ETSI.CAdES.detached";
  if (spec.contents_reserve == 0) spec.contents_reserve = kContentsReserve;

  auto signer = signer_for(key);
  for (int attempt = 0;; ++attempt) {
    if (progress) progress("writing", 0, 0);
    auto pending = pdf::prepare_signature(input, output, spec);
    auto digest = covered_digest(pending, options.digest, progress);
    if (progress) progress("signing", 0, 0);
    auto cms = crypto::build_signed_data(signer, options, std::nullopt, digest);
    if (cms.size() > spec.contents_reserve && attempt == 0) {
      spdlog::info("PDF signature of {} bytes needs a larger reserve; preparing again", cms.size());
      spec.contents_reserve = cms.size() + 4096;
      continue;  // `pending` removes its unfinished output
    }
    pending.finish(cms);
    return pdf_signed{pending.pages(), pending.byte_range(), spec.sub_filter, spec.field_name};
  }
}

std::vector<pdf_signature_report> verify_pdf(const std::filesystem::path& input,
                                             const std::vector<bytes>& trusted_roots) {
  std::vector<pdf_signature_report> out;
  auto now = std::chrono::system_clock::now();
  for (auto& found : pdf::find_signatures(input)) {
    pdf_signature_report report;
    report.seal_name = found.seal_name;
    report.seal_es_id = found.seal_es_id;
    auto feed = [&](const std::function<void(byte_view)>& sink) {
      feed_ranges(input, found.byte_range, sink);
    };
    try {
      if (looks_like_cms(found.contents)) {
        report.kind = "CMS";
        auto result = crypto::verify_signed_data(found.contents, feed, trusted_roots, now);
        report.valid = result.signature_valid && result.digest_matches;
        report.trusted = result.chain_trusted;
        report.signer_cert_der = result.signer_cert_der;
        if (result.signing_time)
          report.signed_at =
              std::chrono::time_point_cast<std::chrono::seconds>(*result.signing_time);
        report.errors = result.errors;
      } else {
        // Some Chinese signers put a GB/T 38540 SES_Signature in /Contents: its dataHash is the
        // SM3 of the covered bytes.
        report.kind = "SES_Signature";
        auto doc = seal::decode_signature(found.contents);
        report.signer_cert_der = doc.signer_cert;
        report.seal_name = doc.eseal.name;
        report.seal_es_id = doc.eseal.es_id;
        report.signed_at = doc.time;
        bool signature_ok = seal::verify_signature_document(doc);
        crypto::digest_stream sm3(crypto::digest_alg::sm3);
        feed([&](byte_view chunk) { sm3.update(chunk); });
        bool digest_ok = sm3.finish() == doc.data_hash;
        if (!signature_ok) report.errors.emplace_back("SIGNATURE_INVALID");
        if (!digest_ok) report.errors.emplace_back("DIGEST_MISMATCH");
        report.valid = signature_ok && digest_ok;
      }
    } catch (const error& e) {
      report.valid = false;
      report.errors.emplace_back(e.code() == errc::signature_invalid ||
                                         e.code() == errc::seal_invalid
                                     ? "SIGNATURE_UNREADABLE"
                                     : std::string(code_name(e.code())));
    }
    report.found = std::move(found);
    out.push_back(std::move(report));
  }
  return out;
}

}  // namespace sealbridge::service
